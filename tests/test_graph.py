"""minigrad.graph: the autograd graph behind a tensor, as DOT text and as a matplotlib picture. The
nodes and edges are compared with torch's grad_fn graph of the same expression."""
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.graph import Graph, draw_graph, make_dot
from models.resnet import BasicBlock

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def torch_edges(out, names):
    """(input's name, consumer's name) for every edge of torch's graph; leaves by their name in `names`."""
    def label(fn):
        return names[id(fn.variable)] if hasattr(fn, "variable") else type(fn).__name__
    edges, seen, stack = [], {out.grad_fn}, [out.grad_fn]
    while stack:
        fn = stack.pop()
        for parent, _ in fn.next_functions:
            if parent is not None:
                edges.append((label(parent), label(fn)))
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return sorted(edges)


def graph_edges(graph):
    """The same, from a minigrad Graph (a node's name is its label's first line); the tensor's edge left out."""
    return sorted((graph.nodes[a][0][0], graph.nodes[b][0][0]) for a, b in graph.edges if graph.nodes[b][1] != "tensor")


def expression(lib, x, w, b):
    h = (x @ w + b).relu()
    return (h * h.exp() - 2 * h).sum() / h.mean()


def test_nodes_and_edges_match_torchs_graph():
    values = [np.random.RandomState(0).randn(*s).astype(np.float32) for s in [(3, 4), (4, 5), (5,)]]
    ours = [mg.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    names = ["x", "w", "b"]
    graph = make_dot(expression(mg, *ours), params=dict(zip(names, ours)))
    expected = torch_edges(expression(torch, *theirs), {id(t): n for t, n in zip(theirs, names)})
    assert graph_edges(graph) == expected
    assert ("MmBackward0", "AddBackward0") in expected and ("x", "MmBackward0") in expected


AGREE = {"sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "var": lambda x: x.var(1),
         "norm": lambda x: x.norm(), "pow": lambda x: x.pow(2), "reshape": lambda x: x.reshape(6),
         "expand": lambda x: x.expand(2, 2, 3), "permute": lambda x: x.permute(1, 0), "sub": lambda x: x - 1,
         "softmax": lambda x: x.softmax(1), "logsumexp": lambda x: x.logsumexp(1), "clone": lambda x: x.clone(),
         # an overload's number, or a view op of its own: the op's backward_name (tests/test_grad_fn_names.py)
         "sum_dim": lambda x: x.sum(1), "mean_dim": lambda x: x.mean(dim=1), "max": lambda x: x.max(),
         "amax": lambda x: x.amax(1), "pow_tensor": lambda x: x ** x, "t": lambda x: x.t(),
         "transpose": lambda x: x.transpose(0, 1), "select": lambda x: x[0], "unsqueeze": lambda x: x.unsqueeze(0)}
# torch names these nodes otherwise (see tests/test_grad_fn_names.py's DIFFER for the ones still apart)
DIFFER = {}


@pytest.mark.parametrize("op", list(AGREE) + [pytest.param(k, marks=pytest.mark.xfail(
    strict=True, reason="a different grad_fn name from torch's, listed for the ops' owners")) for k in DIFFER])
def test_node_names_are_torchs(op):
    f = {**AGREE, **DIFFER}[op]
    ours = f(mg.ones(2, 3, requires_grad=True)).grad_fn.name()
    assert ours == f(torch.ones(2, 3, requires_grad=True)).grad_fn.name()


def test_dot_text_names_ops_leaves_and_the_tensor():
    x = mg.ones(2, 3, requires_grad=True)
    w = mg.ones(3, requires_grad=True)
    y = (x * w).sum()
    dot = make_dot(y, params={"weight": w}).source
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    labels = dict(re.findall(r'\t(n\d+) \[label="([^"]*)"', dot))
    by_label = {v: k for k, v in labels.items()}
    total, product = "SumBackward0\\n() float32", "MulBackward0\\n(2, 3) float32"  # each op with its output
    assert set(labels.values()) == {"() float32\\ndata 6", total, product, "(2, 3) float32", "weight\\n(3) float32"}
    edges = set(re.findall(r"\t(n\d+) -> (n\d+)", dot))
    assert edges == {(by_label[total], by_label["() float32\\ndata 6"]),
                     (by_label[product], by_label[total]),
                     (by_label["(2, 3) float32"], by_label[product]),
                     (by_label["weight\\n(3) float32"], by_label[product])}
    assert str(make_dot(y)) == make_dot(y).source


def test_a_tensor_used_twice_is_one_node_with_two_edges():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    graph = make_dot(x * x)
    assert [kind for _, kind in graph.nodes] == ["tensor", "op", "leaf"]
    assert graph.edges.count((2, 1)) == 2  # as torch lists MulBackward0's inputs: the same leaf twice


def test_parameter_names_from_a_module_its_pairs_or_a_dict():
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    out = mlp(mg.randn(3, 4))
    for params in (dict(mlp.named_parameters()), mlp.named_parameters(), mlp):
        labels = make_dot(out, params=params).source
        for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
            assert f'"{name}\\n' in labels
    with pytest.raises(TypeError, match="params must map names to Tensors"):
        make_dot(out, params={"w": 3})


def test_show_saved_lists_what_backward_kept_and_says_when_it_is_freed():
    x = mg.randn(2, 3, requires_grad=True)
    y = x.relu().sum()
    assert "saved (2, 3) float32" in make_dot(y, show_saved=True).source
    assert "saved" not in make_dot(y).source
    y.backward()
    assert "saved: freed by backward()" in make_dot(y, show_saved=True).source


def test_values_and_gradients_of_one_number_tensors_are_shown():
    a, b = mg.tensor(2.0, requires_grad=True), mg.tensor(-3.0, requires_grad=True)
    loss = a * b + a
    loss.backward()
    dot = make_dot(loss, params={"a": a, "b": b}).source
    assert '"a\\n() float32\\ndata 2\\ngrad -2"' in dot and '"b\\n() float32\\ndata -3\\ngrad 2"' in dot


def test_several_outputs_and_bad_input():
    x = mg.randn(3, requires_grad=True)
    graph = make_dot((x.exp(), x.sin()))
    assert sorted(lines[0] for lines, kind in graph.nodes if kind == "op") == ["ExpBackward0", "SinBackward0"]
    assert make_dot(mg.ones(2)).nodes == [(["(2) float32"], "tensor")]  # no graph: the tensor alone
    with pytest.raises(TypeError, match="expected a Tensor"):
        make_dot(np.ones(2))


def test_nodes_print_like_torchs():
    x = mg.randn(3, requires_grad=True)
    text = repr(x.exp().mean().grad_fn)
    assert re.fullmatch(r"<MeanBackward0 object at 0x[0-9a-f]+>", text)
    assert re.fullmatch(r"<MeanBackward0 object at 0x[0-9a-f]+>",
                        repr(torch.randn(3, requires_grad=True).exp().mean().grad_fn))


def test_a_resnet_basic_block_renders_to_png_and_svg(tmp_path):
    pytest.importorskip("matplotlib", reason="drawing the graph needs matplotlib (the train extra)")
    block = BasicBlock(4, 4)
    out = block(mg.randn(2, 4, 8, 8, requires_grad=True)).sum()
    path = draw_graph(out, params=block, show_saved=True, path=tmp_path / "block.png")
    assert path == str(tmp_path / "block.png")
    data = open(path, "rb").read()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    graph = make_dot(out, params=dict(block.named_parameters()))
    assert graph.render(tmp_path / "block", format="svg") == str(tmp_path / "block.svg")
    assert "<svg" in open(tmp_path / "block.svg").read()
    assert graph.save(tmp_path / "block.dot") == str(tmp_path / "block.dot")
    assert open(tmp_path / "block.dot").read() == graph.source


def test_a_two_layer_mlp_renders_and_shows_inline(tmp_path):
    pytest.importorskip("matplotlib", reason="drawing the graph needs matplotlib (the train extra)")
    mlp = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    loss = nn.functional.cross_entropy(mlp(mg.randn(16, 10)), mg.tensor([0, 1, 2, 1] * 4))
    graph = draw_graph(loss, params=dict(mlp.named_parameters()))
    assert isinstance(graph, Graph) and graph._repr_png_().startswith(PNG_MAGIC)  # what Jupyter shows
    path = graph.render(tmp_path / "mlp.png")
    assert open(path, "rb").read().startswith(PNG_MAGIC)
    ops = [lines[0] for lines, kind in graph.nodes if kind == "op"]
    assert ops == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0", "ReluBackward0", "AddmmBackward0"]
