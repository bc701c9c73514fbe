"""Real training programs, run twice: short PyTorch programs of our own in everyday style
(tests/programs/, one per file, each written once as a function of the library's modules) run under
torch and under minigrad from the same starting weights on the same numpy batches, and their losses
must agree over a few optimizer steps (float64 to 1e-9 relative, float32 to 1e-5), with whatever
else the program produces (predictions, saved files, shapes, samplers' draws).

This is what an outside reviewer does with pytorch/examples, nanoGPT or makemore with their imports
changed. Randomness the libraries draw differently is made equal (torch's initial weights are copied,
a VAE's eps is fixed, dropout is 0 or the model is in eval mode); where that is impossible (a
multinomial draw, a RandomSampler's order) only the structure is compared.
"""
import numpy as np
import pytest

from programs import (char_lstm, data_pipeline, dcgan, mnist_cnn, regression, sine_lstmcell, super_resolution,
                      tiny_gpt, transformer_classifier, vae)
from programs.twins import SameWeights, assert_same, library, run_both

pytest.importorskip("torch", reason="the programs' results are compared with PyTorch's")

DTYPES = ["float64", "float32"]


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("dtype", DTYPES)
def test_cnn_classifier_with_adadelta_steplr_and_a_test_loop(dtype):
    theirs, ours = run_both(mnist_cnn, dtype)
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert_same(theirs["lrs"], ours["lrs"], "float64", "StepLR's learning rates")
    assert_same([theirs["test_loss"]], [ours["test_loss"]], dtype, "test loss")
    assert ours["correct"] == ours["correct_max"] == theirs["correct"] == theirs["correct_max"]
    assert ours["predicted"] == theirs["predicted"]
    assert ours["batches"] == theirs["batches"] == 4
    assert dtype_name(ours["out_dtype"]) == dtype_name(theirs["out_dtype"]) == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_vae_with_fixed_noise_and_a_saved_image_grid(dtype, tmp_path):
    theirs, ours = run_both(vae, dtype, image_path=str(tmp_path / "sample.png"))
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert_same(theirs["sample"], ours["sample"], dtype, "decoded sample")
    # the grid torchvision's save_image writes: 8 images in rows of 4, 2 pixels of padding (value 0),
    # one channel repeated as RGB, each value v stored as the byte of v * 255 + 0.5 clamped to [0, 255]
    grid = np.zeros((2 * 16 + 2, 4 * 16 + 2))
    for k, image in enumerate(theirs["sample"][:, 0]):
        row, col = divmod(k, 4)
        grid[row * 16 + 2:row * 16 + 16, col * 16 + 2:col * 16 + 16] = image
    expected = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8)
    from PIL import Image
    written = np.asarray(Image.open(tmp_path / "sample.png").convert("RGB"))
    assert written.shape == expected.shape + (3,)
    assert np.abs(written.astype(int) - expected[..., None]).max() <= 1  # a float32 rounding at .5 at most


@pytest.mark.parametrize("dtype", DTYPES)
def test_dcgan_step_with_weights_init_and_detached_fakes(dtype):
    theirs, ours = run_both(dcgan, dtype)
    assert_same(theirs["losses"], ours["losses"], dtype, "errD, errG, D(x), D(G(z)) before and after")
    assert_same(theirs["running_mean"], ours["running_mean"], dtype, "BatchNorm2d's running_mean")
    assert ours["fake_shape"] == theirs["fake_shape"] == (8, 1, 16, 16)
    # weights_init ran on minigrad's own draws (before torch's were copied in): N(0, 0.02), BN N(1, 0.02), bias 0
    # (5 standard errors: 128 weights in D's first conv, 16 in G's first BatchNorm)
    assert all(abs(s - 0.02) < 0.006 for s in ours["init_std"]), ours["init_std"]
    assert abs(ours["init_bn"][0] - 1) < 0.025 and ours["init_bn"][1] == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_character_lstm_language_model_with_manual_sgd_on_data(dtype):
    theirs, ours = run_both(char_lstm, dtype)
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert_same(theirs["norms"], ours["norms"], dtype, "clip_grad_norm_'s total norms")
    assert_same([theirs["val_loss"]], [ours["val_loss"]], dtype, "validation loss")
    assert ours["batches"] == theirs["batches"] == 9
    assert ours["hidden_shape"] == theirs["hidden_shape"] == (2, 2, 16)
    assert ours["detached"] == theirs["detached"] == [False, False, True, True]


def test_lstmcell_sine_predictor_with_lbfgs_closure():
    # float64 only, as time_sequence_prediction itself: LBFGS's line search magnifies float32 rounding
    # (torch's own float32 losses leave its float64 ones by 1e-4 within 2 steps)
    theirs, ours = run_both(sine_lstmcell, "float64")
    assert len(ours["losses"]) == len(theirs["losses"]) == 14  # 6 closure calls + 1 test loss, twice
    assert_same(theirs["losses"], ours["losses"], "float64")
    assert_same(theirs["step_losses"], ours["step_losses"], "float64", "optimizer.step(closure)'s returns")
    assert_same(theirs["prediction"], ours["prediction"], "float64", "the continued waves")
    assert ours["pred_shape"] == theirs["pred_shape"] == (2, 28)
    assert ours["state"] == theirs["state"]


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "masked_fill"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tiny_gpt_with_adamw_groups(dtype, flash):
    theirs, ours = run_both(tiny_gpt, dtype, flash=flash)
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert_same(theirs["norms"], ours["norms"], dtype, "a decayed and a not-decayed parameter after AdamW")
    assert ours["group_sizes"] == theirs["group_sizes"]
    assert ours["logits_shape"] == theirs["logits_shape"] == (4, tiny_gpt.BLOCK, tiny_gpt.VOCAB)


def test_tiny_gpt_generates_with_multinomial():
    for lib in (library("torch"), library("minigrad")):
        lib.torch.manual_seed(1)
        first = tiny_gpt.sample(lib, generator=None, new_tokens=10)  # past BLOCK: the prompt is cropped
        assert tuple(first.shape) == (2, 11) and dtype_name(first.dtype) == "int64"
        assert first[:, 0].tolist() == [0, 0] and 0 <= first.min().item() and first.max().item() < tiny_gpt.VOCAB
        lib.torch.manual_seed(1)
        assert tiny_gpt.sample(lib, generator=None, new_tokens=10).tolist() == first.tolist()


def test_tiny_gpt_generates_from_a_torch_generator():
    lib = library("minigrad")
    samples = []
    for _ in range(2):
        lib.torch.manual_seed(0)  # the same fresh model; its draws from the generator alone
        samples.append(tiny_gpt.sample(lib, generator=lib.torch.Generator().manual_seed(1337)))
    assert tuple(samples[0].shape) == (2, 11) and samples[0].tolist() == samples[1].tolist()


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("dtype", DTYPES)
def test_transformer_encoder_classifier_with_padding_mask(dtype):
    theirs, ours = run_both(transformer_classifier, dtype)
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert_same(theirs["test_logits"], ours["test_logits"], dtype, "held-out logits")
    # every position, padded ones included: torch's no_grad fast path gives 0 there
    tokens, _ = transformer_classifier.sequences(8, seed=9)
    assert np.all(ours["states"][tokens == transformer_classifier.PAD] == 0)
    np.testing.assert_allclose(ours["states"], theirs["states"], rtol=1e-9 if dtype == "float64" else 1e-5,
                               atol=1e-12 if dtype == "float64" else 1e-5)
    assert ours["correct"] == theirs["correct"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_super_resolution_saved_whole_and_loaded_in_safe_globals(dtype, tmp_path):
    theirs, ours = run_both(super_resolution, dtype, model_path=str(tmp_path / "model.pth"))
    assert_same(theirs["losses"], ours["losses"], dtype)
    np.testing.assert_allclose(ours["gram"], 2 * np.eye(8), atol=1e-5)  # orthogonal_ rows, gain**2 = 2
    assert ours["out_shape"] == theirs["out_shape"] == (4, 1, 12, 12)
    assert ours["reloaded_type"] == "Net_minigrad" and ours["reloaded_gap"] == 0 == theirs["reloaded_gap"]
    assert ours["reloaded_parameter"] == theirs["reloaded_parameter"] == [True, True, 6]
    assert_same([theirs["reloaded_loss"]], [ours["reloaded_loss"]], dtype, "the reloaded model's loss")


@pytest.mark.parametrize("dtype", DTYPES)
def test_polynomial_regression_with_sgd_on_data(dtype):
    theirs, ours = run_both(regression, dtype)
    assert_same(theirs["losses"], ours["losses"], dtype)
    assert ours["learned"] == theirs["learned"] and ours["actual"] == theirs["actual"]
    assert ours["features"] == theirs["features"] == (16, 4)


def test_data_pipeline_samplers_and_collation():
    weights = SameWeights()
    theirs = data_pipeline.run(library("torch"), weights.record)
    ours = data_pipeline.run(library("minigrad"), weights.replay)
    # README's deliberate difference: float data becomes float32 (minigrad/data/collate.py), so a batch of
    # numpy float64 rows and one of Python floats are float32 where torch's default_collate gives float64
    batch = theirs["infinite"][4]
    batch[3] = batch[3][:2] + ("float32",)
    batch[4]["weight"] = batch[4]["weight"][:2] + ("float32",)
    # len(loader), len(sampler), indices drawn from the sampler, samples read, and the batch's structure
    assert ours["infinite"] == theirs["infinite"]
    assert ours["infinite"][2] == ours["infinite"][3] == 12  # lazily: 3 batches of 4, not 10**10
    assert ours["infinite_consistent"] == [True, True, True]
    assert ours["batch_sampler"] == theirs["batch_sampler"]
    assert ours["by_batch_sampler"] == theirs["by_batch_sampler"]
    assert ours["weighted"] == theirs["weighted"] == [50, [1, 3, 4], "int", [1, 3, 4], 7]
