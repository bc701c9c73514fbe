"""Shapes through any Module: torchinfo's `summary(model, input_size)` for minigrad. One forward pass
under no_grad, on a random input of `input_size` (batch dimension included) or on `input_data`, with a
forward pre-hook and a forward hook on every module (removed afterwards) that record, for each call,
the module's depth in the tree, its output shape and its parameters; the result is a table, as
torchinfo prints it:

    >>> from minigrad.utils.summary import summary
    >>> summary(resnet18(), (1, 3, 64, 64))      # also: stats = summary(...); stats.total_params

Param # shows a leaf's parameters, a container's own (recurse=False) ones, or, for a row at the
depth limit, everything below it; "(9,408)" marks a frozen layer. The sizes are torchinfo's
estimates in MB (1e6 bytes): the inputs, every parametrised leaf's output counted twice (forward
and its gradient), the parameters. Mult-adds are torchinfo's count: a Conv's weight and bias
numbers times the batch and output positions, any other layer's times the batch."""
import itertools
import math
import sys

from ..autograd import no_grad
from ..factories import rand
from ..tensor import Tensor

COLUMNS = {"input_size": "Input Shape", "output_size": "Output Shape", "num_params": "Param #",
           "params_percent": "Param %", "kernel_size": "Kernel Shape", "mult_adds": "Mult-Adds",
           "trainable": "Trainable"}
ROW_SETTINGS = ("depth", "var_names", "ascii_only")
UNITS = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))


def _first_tensor(value):
    """The tensor whose shape stands for a module's output (a tuple's or dict's first one), or None."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _count(params):
    """(numbers, trainable numbers, bytes) of a list of parameters."""
    return (sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad),
            sum(p.numel() * p.element_size() for p in params))


class LayerInfo:
    """One call of one module: where it sits in the tree and what it made."""

    def __init__(self, var_name, module, depth, depth_index=None):
        self.var_name, self.module, self.depth, self.depth_index = var_name, module, depth, depth_index
        self.class_name = type(module).__name__
        self.is_leaf_layer = not any(True for _ in module.children())
        self.num_params, self.trainable_params, self.param_bytes = _count(list(module.parameters()))
        self.own_params = _count(list(module.parameters(recurse=False)))[0]
        self.kernel_size = getattr(module, "kernel_size", None)
        self.input_size, self.output_size, self.output_bytes, self.macs = [], [], 0, 0
        self.is_recursive = self.executed = False

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    def record(self, inputs, output):
        """What the forward hook saw: the shapes, the output's bytes, the mult-adds."""
        first_in, out = _first_tensor(inputs), _first_tensor(output)
        self.input_size = list(first_in.shape) if first_in is not None else []
        if out is not None:
            self.output_size, self.output_bytes = list(out.shape), out.numel() * out.element_size()
        self.executed = True
        if not self.is_leaf_layer or not self.output_size:
            return
        for name, p in self.module.named_parameters():
            if name in ("weight", "bias"):  # a conv's weight is used at every output position
                positions = math.prod(self.output_size[:1] + self.output_size[2:]) if "Conv" in self.class_name \
                    else self.output_size[0]
                self.macs += p.numel() * positions
            elif "weight" in name or "bias" in name:  # a recurrent layer's weight_ih_l0, ...: every step
                self.macs += math.prod(self.output_size[:2]) * p.numel()

    @property
    def trainable(self):
        if self.num_params == 0:
            return "--"
        return "True" if self.trainable_params == self.num_params else "False" if not self.trainable_params \
            else "Partial"

    def name(self, settings):
        text = self.class_name + (f" ({self.var_name})" if "var_names" in settings and self.var_name else "")
        if "depth" in settings and self.depth > 0:
            text += f": {self.depth}" + (f"-{self.depth_index}" if self.depth_index is not None else "")
        return text

    def shown_params(self, at_max_depth):
        """What the Param # column counts: all below a leaf or a row at the depth limit, else its own."""
        return self.num_params if at_max_depth or self.is_leaf_layer else self.own_params


class ModelStatistics:
    """What summary() returns: `summary_list` (a LayerInfo per call, in call order), the totals
    (`total_params`, `trainable_params`, `non_trainable_params`, `total_mult_adds`, and in bytes
    `total_input`, `total_output_bytes`, `total_param_bytes`), and the table as its str()/repr()."""

    def __init__(self, model, summary_list, input_size, total_input, depth, col_names, col_width, row_settings,
                 verbose):
        self.summary_list, self.input_size, self.total_input = summary_list, input_size, total_input
        self.depth, self.col_names, self.col_width = depth, tuple(col_names), col_width
        self.row_settings, self.verbose = set(row_settings), verbose
        self.total_params, self.trainable_params, self.total_param_bytes = _count(list(model.parameters()))
        self.non_trainable_params = self.total_params - self.trainable_params
        leaves = [layer for layer in summary_list if layer.is_leaf_layer]
        self.total_mult_adds = sum(layer.macs for layer in leaves)
        self.total_output_bytes = sum(2 * layer.output_bytes for layer in leaves if layer.num_params)
        self.name_width = 40
        for layer in summary_list:  # torchinfo's: widen to fit the longest name, in steps of 5
            longest = len(layer.name(self.row_settings)) + layer.depth * 5 + 1
            if longest >= self.name_width:
                self.name_width = math.ceil(longest / 5) * 5

    # ---- the table -----------------------------------------------------------------------------------
    def _line(self, name, cells):
        line = f"{name:<{self.name_width}} " + "".join(f"{cells.get(c, ''):<{self.col_width}} " for c in self.col_names)
        return line.rstrip() + "\n"

    def _prefix(self, depth):
        ascii_only = "ascii_only" in self.row_settings
        if depth == 0:
            return ""
        branch = "+ " if ascii_only else "└─" if depth > 1 else "├─"
        return ("|    " if ascii_only else "│    ") * (depth - 1) + branch

    def _row(self, layer):
        at_max = layer.depth == self.depth
        params = layer.shown_params(at_max)
        if params == 0:
            shown = "--"
        elif layer.is_recursive:
            shown = "(recursive)"
        else:
            shown = f"{params:,}" if layer.trainable_params or not (at_max or layer.is_leaf_layer) else f"({params:,})"
        macs = layer.macs if layer.is_leaf_layer else sum(
            m.macs for m in self._below(layer) if m.is_leaf_layer) if at_max else 0
        percent = "     --" if not params or not self.total_params else f"{params / self.total_params:>7.2%}"
        kernel = list(layer.kernel_size) if isinstance(layer.kernel_size, tuple) else layer.kernel_size
        cells = {"input_size": str(layer.input_size or "--"), "output_size": str(layer.output_size or "--"),
                 "num_params": shown, "params_percent": "(recursive)" if layer.is_recursive and params else percent,
                 "kernel_size": str(kernel or "--"), "mult_adds": f"{macs:,}" if macs > 0 else "--",
                 "trainable": layer.trainable}
        text = self._line(self._prefix(layer.depth) + layer.name(self.row_settings), cells)
        if self.verbose == 2:  # each own parameter under its layer
            own = list(layer.module.named_parameters(recurse=False))
            for i, (name, p) in enumerate(own):
                mark = "└─" if i == len(own) - 1 else "├─"
                text += self._line(self._prefix(layer.depth + 1) + name,
                                   {"kernel_size": str(list(p.shape)), "num_params": f"{mark}{p.numel():,}"})
        return text

    def _below(self, layer):
        """The calls made inside `layer`'s call: the rows after it that sit deeper."""
        after = self.summary_list[next(i for i, m in enumerate(self.summary_list) if m is layer) + 1:]
        return itertools.takewhile(lambda m: m.depth > layer.depth, after)

    @staticmethod
    def _number(num, units, in_bytes):
        """torchinfo's ' (GB): 1.81' or ': 11,689,512'."""
        scale, unit = next(((s, u) for s, u in UNITS if num >= s), (1, "")) if units == "auto" else \
            (1e6, "M") if units == "M" else (1, "")
        value = num / scale
        if float(value).is_integer():
            value = int(value)
        shown = f"{value:,d}" if isinstance(value, int) else f"{value:,.2f}"
        return (f" ({unit}{'B' if in_bytes else ''})" if unit else "") + f": {shown}"

    def __repr__(self):
        divider = "=" * (self.name_width + len(self.col_names) * self.col_width)
        header = "Layer (type" + (" (var_name)" if "var_names" in self.row_settings else "") + \
            (":depth-idx" if "depth" in self.row_settings else "") + ")"
        rows = "".join(self._row(layer) for layer in self.summary_list if layer.depth <= self.depth)
        text = (f"{divider}\n{self._line(header, COLUMNS)}{divider}\n{rows}{divider}\n"
                f"Total params{self._number(self.total_params, None, False)}\n"
                f"Trainable params{self._number(self.trainable_params, None, False)}\n"
                f"Non-trainable params{self._number(self.non_trainable_params, None, False)}\n")
        if self.input_size:
            total = self.total_input + self.total_output_bytes + self.total_param_bytes
            text += (f"Total mult-adds{self._number(self.total_mult_adds, 'auto', False)}\n{divider}\n"
                     f"Input size{self._number(self.total_input, 'M', True)}\n"
                     f"Forward/backward pass size{self._number(self.total_output_bytes, 'M', True)}\n"
                     f"Params size{self._number(self.total_param_bytes, 'M', True)}\n"
                     f"Estimated Total Size{self._number(total, 'M', True)}\n")
        return text + divider

    __str__ = __repr__


def _inputs(model, input_size, input_data, dtypes, device):
    """(positional inputs, keyword inputs, their shapes) for the one forward pass."""
    if input_data is not None:
        if isinstance(input_data, Tensor):
            return [input_data], {}, [list(input_data.shape)]
        if isinstance(input_data, dict) and all(isinstance(v, Tensor) for v in input_data.values()):
            return [], dict(input_data), [list(v.shape) for v in input_data.values()]
        if isinstance(input_data, (list, tuple)) and input_data and all(isinstance(v, Tensor) for v in input_data):
            return list(input_data), {}, [list(v.shape) for v in input_data]
        raise RuntimeError("summary: input_data must be a Tensor, a list or tuple of Tensors (one per argument "
                           "of forward) or a dict of them (keyword arguments), got " + type(input_data).__name__)
    if not isinstance(input_size, (list, tuple)) or not input_size:
        raise TypeError(f"summary: input_size must be a shape with the batch dimension, e.g. (1, 3, 64, 64), or a "
                        f"list of shapes (one per input), got {input_size!r}")
    sizes = [list(input_size)] if all(isinstance(s, int) for s in input_size) else [list(s) for s in input_size]
    if any(not isinstance(n, int) or n <= 0 for s in sizes for n in s):
        raise ValueError(f"summary: every size in input_size must be a positive int, got {input_size!r}")
    dtypes = list(dtypes) if dtypes is not None else [None] * len(sizes)
    if device is None:
        device = next((p.device for p in model.parameters()), "cpu")
    return [rand(*s, device=device).to(d) if d is not None else rand(*s, device=device)
            for s, d in zip(sizes, dtypes)], {}, sizes


def summary(model, input_size=None, input_data=None, col_names=None, col_width=25, depth=3, device=None,
            dtypes=None, row_settings=None, verbose=None, **kwargs):
    """torchinfo's summary of `model`: a ModelStatistics whose str() (and notebook repr) is the table of
    each layer's output shape and parameters, with the totals and memory estimates. Give the input as
    `input_size` (a shape with the batch dimension, or a list of shapes: random float32 inputs, of
    `dtypes` if given, on `device` or the model's) or as `input_data` (tensors); without either, only
    the parameters are listed. `depth` rows deep; `col_names` from COLUMNS ("output_size", "num_params"
    by default); `row_settings` from ROW_SETTINGS; `verbose` 0 quiet, 1 print the table (the default,
    except at an interactive prompt, where the returned object shows itself), 2 also each parameter.
    Other keyword arguments go to model.forward. The model's train/eval modes are restored afterwards."""
    has_input = input_size is not None or input_data is not None
    if input_size is not None and input_data is not None:
        raise RuntimeError("Only one of (input_data, input_size) should be specified.")
    col_names = tuple(col_names) if col_names is not None else \
        ("output_size", "num_params") if has_input else ("num_params",)
    row_settings = tuple(row_settings) if row_settings is not None else ("depth",)
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1
    if verbose not in (0, 1, 2) or col_width <= 0:
        raise ValueError(f"summary: verbose must be 0 (quiet), 1 (default) or 2 (verbose) and col_width greater "
                         f"than 0, got verbose={verbose}, col_width={col_width}")
    for col in col_names:
        if col not in COLUMNS:
            raise ValueError(f"Column {col} is not a valid column name: choose from {', '.join(COLUMNS)}")
        if not has_input and col not in ("num_params", "kernel_size"):
            raise ValueError(f"You must pass input_data or input_size in order to use column {col}")
    for setting in row_settings:
        if setting not in ROW_SETTINGS:
            raise ValueError(f"Row setting {setting} is not a valid setting: choose from {', '.join(ROW_SETTINGS)}")

    summary_list, counters, pending, handles, seen = [], {}, {}, [], set()

    def watch(var_name, module, depth):
        """Hooks on `module` and everything below it (each module once, at its first place in the tree)."""
        if id(module) in seen:
            return
        seen.add(id(module))

        def pre_hook(m, args):
            counters[depth] = counters.get(depth, 0) + 1
            info = LayerInfo(var_name, m, depth, counters[depth] if depth else None)
            info.is_recursive = any(layer.module is m for layer in summary_list)
            summary_list.append(info)
            pending.setdefault(id(m), []).append(info)

        def hook(m, args, output):
            pending[id(m)].pop().record(args, output)

        if has_input:
            handles.extend([module.register_forward_pre_hook(pre_hook), module.register_forward_hook(hook)])
        else:
            pre_hook(module, ())
        for name, child in module.named_children():
            watch(name, child, depth + 1)

    try:
        watch("", model, 0)
        if has_input:
            args, extra, sizes = _inputs(model, input_size, input_data, dtypes, device)
            total_input = sum(t.numel() * t.element_size() for t in [*args, *extra.values()])
            modes = [(m, m.training) for m in model.modules()]
            model.eval()
            try:
                with no_grad():
                    model(*args, **extra, **kwargs)
            except Exception as error:
                ran = [layer for layer in summary_list if layer.executed]
                raise RuntimeError(f"summary: the forward pass failed ({type(error).__name__}: {error}); "
                                   f"layers run before it: {ran}") from error
            finally:
                for m, mode in modes:
                    object.__setattr__(m, "training", mode)
        else:
            sizes, total_input = [], 0
    finally:
        for handle in handles:
            handle.remove()
    stats = ModelStatistics(model, summary_list, sizes, total_input, depth, col_names, col_width, row_settings,
                            verbose)
    if verbose:
        print(stats)
    return stats
