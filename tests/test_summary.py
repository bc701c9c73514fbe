"""minigrad.utils.summary.summary, torchinfo's table for any Module: the shapes against torch's (the same
resnet18 written in plain torch, tests/torch_reference.py), the counts against torch's parameters, the
memory and mult-add estimates against torchinfo's formulas applied to the torch model, and the hooks gone."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn
from minigrad.utils.summary import summary
from models import resnet18
from torch_reference import torch_resnet


def _torch_calls(model, x):
    """(qualified name, output shape, output numel) of each torch module call, in call order."""
    calls, handles = [], []
    for name, m in model.named_modules():
        handles.append(m.register_forward_hook(
            lambda m, i, o, name=name: calls.append((name, list(o.shape), o.numel(), m))))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return calls


@pytest.fixture(scope="module")
def resnet_and_stats():
    model = resnet18()
    return model, summary(model, (1, 3, 64, 64), verbose=0)


def test_resnet18_counts_match_torch(resnet_and_stats):
    model, stats = resnet_and_stats
    theirs = sum(p.numel() for p in torch_resnet("resnet18").parameters())
    assert stats.total_params == sum(p.numel() for p in model.parameters()) == theirs == 11_689_512
    assert stats.trainable_params == 11_689_512 and stats.non_trainable_params == 0
    assert "Total params: 11,689,512\nTrainable params: 11,689,512\nNon-trainable params: 0\n" in str(stats)


def test_resnet18_each_call_has_torchs_output_shape(resnet_and_stats):
    model, stats = resnet_and_stats
    names = {id(m): name for name, m in model.named_modules()}
    mine = sorted((names[id(layer.module)], layer.output_size) for layer in stats.summary_list)
    theirs = _torch_calls(torch_resnet("resnet18"), torch.rand(1, 3, 64, 64))
    assert mine == sorted((name, shape) for name, shape, _, _ in theirs)
    # the model, its 10 children, 8 blocks, 6 calls in each, 3 downsamples of 3 rows each
    assert len(stats.summary_list) == 1 + 10 + 8 + 8 * 6 + 3 * 3
    by_name = dict(zip([names[id(layer.module)] for layer in stats.summary_list], stats.summary_list))
    assert by_name["maxpool"].output_size == [1, 64, 16, 16] and by_name["fc"].output_size == [1, 1000]
    assert by_name[""].output_size == [1, 1000] and by_name["layer4.1"].output_size == [1, 512, 2, 2]


def test_resnet18_estimates_follow_torchinfos_formulas_on_torch(resnet_and_stats):
    """torchinfo counts a conv's weight once per output position, other layers' once per sample, and
    twice the output of each parametrised leaf as the forward/backward memory."""
    _, stats = resnet_and_stats
    macs = out_bytes = 0
    for _, shape, numel, m in _torch_calls(torch_resnet("resnet18"), torch.rand(1, 3, 64, 64)):
        if list(m.children()) or not list(m.parameters()):
            continue
        n = sum(p.numel() for p in m.parameters())
        macs += n * (int(np.prod(shape[:1] + shape[2:])) if isinstance(m, torch.nn.Conv2d) else shape[0])
        out_bytes += 2 * 4 * numel
    assert stats.total_mult_adds == macs and stats.total_output_bytes == out_bytes
    assert stats.total_input == 3 * 64 * 64 * 4 and stats.total_param_bytes == 11_689_512 * 4
    tail = str(stats).split("Non-trainable params: 0\n")[1].splitlines()
    assert tail[0] == f"Total mult-adds (M): {macs / 1e6:.2f}" == "Total mult-adds (M): 148.57"
    total = (49152 + out_bytes + 46758048) / 1e6
    assert tail[2:6] == ["Input size (MB): 0.05", f"Forward/backward pass size (MB): {out_bytes / 1e6:.2f}",
                         "Params size (MB): 46.76", f"Estimated Total Size (MB): {total:.2f}"]


def test_resnet18_table_rows(resnet_and_stats):
    lines = str(resnet_and_stats[1]).splitlines()
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#"]
    assert lines[0] == "=" * 90 and lines[3].split() == ["ResNet", "[1,", "1000]", "--"]
    assert lines[4] == "├─Conv2d: 1-1                            [1, 64, 32, 32]           9,408"
    assert "├─MaxPool2d: 1-4                         [1, 64, 16, 16]           --" in lines
    assert "│    │    └─Conv2d: 3-1                  [1, 64, 16, 16]           36,864" in lines
    # at the depth limit (3) a container counts everything below it; its children are not shown
    assert "│    │    └─Sequential: 3-13             [1, 128, 8, 8]            8,448" in lines
    assert not any(": 4-" in line for line in lines)
    assert "│    │    │    └─Conv2d: 4-1             [1, 128, 8, 8]            8,192" in \
        str(summary(resnet18(), (1, 3, 64, 64), depth=4, verbose=0)).splitlines()


def test_frozen_parameters_are_not_trainable():
    model = resnet18()
    model.conv1.requires_grad_(False)
    model.layer1.requires_grad_(False)
    frozen = sum(p.numel() for p in model.conv1.parameters()) + sum(p.numel() for p in model.layer1.parameters())
    stats = summary(model, (1, 3, 64, 64), verbose=0)
    assert stats.total_params == 11_689_512 and stats.non_trainable_params == frozen == 9408 + 147_968
    assert stats.trainable_params == 11_689_512 - frozen
    text = str(stats)
    assert f"Non-trainable params: {frozen:,}\n" in text
    assert "├─Conv2d: 1-1                            [1, 64, 32, 32]           (9,408)" in text
    assert "├─BatchNorm2d: 1-2                       [1, 64, 32, 32]           128" in text


MLP_TABLE = """\
==========================================================================================
Layer (type:depth-idx)                   Output Shape              Param #
==========================================================================================
Sequential                               [3, 2]                    --
├─Linear: 1-1                            [3, 8]                    40
├─ReLU: 1-2                              [3, 8]                    --
├─Linear: 1-3                            [3, 2]                    18
==========================================================================================
Total params: 58
Trainable params: 58
Non-trainable params: 0
Total mult-adds: 174
==========================================================================================
Input size (MB): 0.00
Forward/backward pass size (MB): 0.00
Params size (MB): 0.00
Estimated Total Size (MB): 0.00
=========================================================================================="""


def test_two_layer_mlp_table_prints_and_shows_itself(capsys):
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    stats = summary(mlp, (3, 4), verbose=1)
    assert capsys.readouterr().out == MLP_TABLE + "\n"
    assert str(stats) == repr(stats) == MLP_TABLE  # a notebook shows the returned object as the table
    assert stats.total_mult_adds == 3 * 40 + 3 * 18
    summary(mlp, (3, 4), verbose=0)
    assert capsys.readouterr().out == ""
    no_input = str(summary(mlp, verbose=0)).splitlines()  # without an input: the parameters only
    assert no_input[1].split() == ["Layer", "(type:depth-idx)", "Param", "#"] and "mult-adds" not in str(no_input)
    assert no_input[4] == "├─Linear: 1-1                            40"


def _hooks(model):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_hooks_are_removed_and_modes_restored_even_when_forward_fails():
    model = resnet18()
    model.layer1.eval()
    summary(model, (1, 3, 64, 64), verbose=0)
    assert _hooks(model) == 0
    assert model.training and not model.layer1.training and model.layer1[0].bn1.training is False
    assert model.layer2.training
    with pytest.raises(RuntimeError, match="summary: the forward pass failed"):
        summary(model, (1, 5, 64, 64), verbose=0)  # 5 channels into a 3-channel conv
    assert _hooks(model) == 0 and model.training and not model.layer1.training
    user = model.fc.register_forward_hook(lambda m, i, o: None)  # the user's own hooks stay
    summary(model, (1, 3, 64, 64), verbose=0)
    assert _hooks(model) == 1
    user.remove()


def test_inputs_several_and_keyword_and_tuple_outputs():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 3)
            self.w = nn.Parameter(minigrad.ones(3))

        def forward(self, x, y=None):
            return self.a(x) * self.w + y

    stats = summary(Scaled(), input_data={"x": minigrad.ones(5, 2), "y": minigrad.ones(5, 3)}, verbose=0)
    assert stats.total_params == 12 and stats.total_input == 25 * 4
    assert str(stats).splitlines()[3].split() == ["Scaled", "[5,", "3]", "3"]  # the container's own parameter
    lstm = summary(nn.LSTM(3, 4, batch_first=True), (2, 5, 3), verbose=0)  # output (out, (h, c)): out's shape
    assert lstm.summary_list[0].output_size == [2, 5, 4] and lstm.total_mult_adds == 10 * 144
    emb = summary(nn.Embedding(10, 4), (2, 7), dtypes=[minigrad.int64], verbose=0)
    assert emb.summary_list[0].output_size == [2, 7, 4]


def test_bad_arguments_name_the_problem():
    mlp = nn.Sequential(nn.Linear(4, 8))
    with pytest.raises(RuntimeError, match="Only one of"):
        summary(mlp, (3, 4), input_data=minigrad.ones(3, 4))
    with pytest.raises(ValueError, match="Column bogus is not a valid column name"):
        summary(mlp, (3, 4), col_names=["bogus"])
    with pytest.raises(ValueError, match="You must pass input_data or input_size"):
        summary(mlp, col_names=["output_size"])
    with pytest.raises(TypeError, match="input_size must be a shape"):
        summary(mlp, 4)
    with pytest.raises(ValueError, match="positive int"):
        summary(mlp, (0, 4))
