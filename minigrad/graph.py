"""See the graph: the autograd graph behind a tensor, as DOT text and as a picture.

The backward graph is a DAG of nodes. Each op that recorded a gradient left one `Function` node, named
as PyTorch names it (`MulBackward0`, `ConvolutionBackward0`...), and each leaf that requires grad has an
`AccumulateGrad` node whose `.variable` is the leaf. The edges are `grad_fn.next_functions`: for each
input of an op, the node that made that input. Walking them from `loss.grad_fn` reaches every node that
`loss.backward()` will visit (autograd/engine.py walks the same edges). `make_dot` (torchviz's name and
signature) collects them into a `Graph`, drawn as the forward pass ran: inputs and parameters at the top,
arrows along the data flow, the tensor at the bottom. `graph.source` is DOT text for Graphviz users;
`graph.render("graph.png")` draws it with matplotlib alone (no Graphviz binary): a layered layout, one
row per depth. In a notebook a Graph shows itself inline. `draw_graph(loss, path=...)` does both steps.
"""

COLORS = {"tensor": "#caff70", "leaf": "lightblue", "op": "lightgray"}  # torchviz's colours
FONT_SIZE = 9  # points; the picture's sizes below are in inches, from this monospace font
CHAR_W, LINE_H, PAD = 0.6 * FONT_SIZE / 72, 1.3 * FONT_SIZE / 72, 0.07
COLUMN_GAP, ROW_GAP, MARGIN = 0.25, 0.4, 0.2


class Graph:
    """The nodes and edges of an autograd graph: `nodes[k]` is (lines of its label, kind), kind being
    "tensor" (an output), "leaf" (a parameter or input) or "op"; an edge (a, b) says node a feeds b."""

    def __init__(self):
        self.nodes, self.edges = [], []

    def add(self, lines, kind):
        self.nodes.append((lines, kind))
        return len(self.nodes) - 1

    @property
    def source(self):
        """DOT text (as graphviz.Digraph.source): `dot -Tpng` or any Graphviz viewer draws it."""
        out = ["digraph {", '\tgraph [size="12,12"]',
               "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]"]
        for k, (lines, kind) in enumerate(self.nodes):
            label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
            out.append(f'\tn{k} [label="{label}" fillcolor="{COLORS[kind]}"]')
        out += [f"\tn{a} -> n{b}" for a, b in self.edges]
        return "\n".join(out + ["}"]) + "\n"

    def __str__(self):
        return self.source

    def __repr__(self):
        return (f"<Graph: {len(self.nodes)} nodes, {len(self.edges)} edges; .source is DOT text, "
                ".render(path) draws a PNG/SVG/PDF>")

    def save(self, filename):
        """Write the DOT text to `filename`; returns the path."""
        with open(filename, "w") as f:
            f.write(self.source)
        return str(filename)

    def figure(self):
        """The graph drawn on a matplotlib Figure (made without pyplot: no window opens)."""
        return _draw(self)

    def render(self, filename="graph", format=None):
        """Draw the graph with matplotlib into `filename` (its extension, .png, .svg or .pdf, picks the
        format; without one, "." + format is added, png by default); returns the path."""
        filename = str(filename)
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename.rsplit("/", 1)[-1] else None
        if format is None and ext in ("png", "svg", "pdf"):
            format = ext
        elif ext != (format or "png"):
            format = format or "png"
            filename = f"{filename}.{format}"
        self.figure().savefig(filename, format=format, dpi=120)
        return filename

    def _repr_png_(self):  # Jupyter shows a Graph inline through this
        import io
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph behind `var` (a Tensor, or a tuple of them), as a `Graph`: torchviz's
    make_dot. `params`: a dict {name: tensor}, e.g. `dict(model.named_parameters())` (the pairs of
    `model.named_parameters()` or the module itself also do), to name the leaves; other leaves show
    their shape. `show_saved`: also list the shape and dtype of each array a node saved for backward.
    (`show_attrs` and `max_attr_chars` are accepted for torchviz's signature; they add nothing here.)"""
    roots = list(var) if isinstance(var, (tuple, list)) else [var]
    for t in roots:
        if not hasattr(t, "grad_fn") or not hasattr(t, "shape"):
            raise TypeError(f"make_dot: expected a Tensor or a tuple of Tensors (a model's output, a loss), "
                            f"got {type(t).__name__}")
    names = _parameter_names(params)
    graph, keys, stack = Graph(), {}, []

    def visit(nodes, consumer):  # add the nodes not seen yet, and an edge from each to its consumer
        new = [node for node in dict.fromkeys(nodes) if node not in keys]
        for node in new:
            keys[node] = graph.add(*_node_label(node, names, show_saved))
        graph.edges.extend((keys[node], consumer) for node in nodes)
        stack.extend(reversed(new))  # depth first, an op's first input first

    for t in roots:
        root = graph.add(_tensor_lines(t, names.get(id(t))), "tensor")
        visit([t.grad_fn] if t.grad_fn is not None else [], root)
    while stack:  # along next_functions: (node, input index) pairs, None where no gradient flows
        node = stack.pop()
        visit([parent for parent, _ in node.next_functions if parent is not None], keys[node])
    return graph


def draw_graph(tensor, params=None, show_saved=False, path=None):
    """Draw the autograd graph behind `tensor` (see make_dot for `params` and `show_saved`). With a
    `path` (.png, .svg or .pdf) the picture is saved there and the path returned; without, the Graph
    is returned: a notebook shows it inline, `.source` is its DOT text, `.render(path)` saves it."""
    graph = make_dot(tensor, params=params, show_saved=show_saved)
    return graph.render(path) if path is not None else graph


def _parameter_names(params):
    """id(tensor) -> name, from a dict, (name, tensor) pairs, or anything with named_parameters()."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if hasattr(params, "items") else params
    names = {}
    for name, p in items:
        if not hasattr(p, "grad_fn"):
            raise TypeError(f"make_dot: params must map names to Tensors; {name!r} is a {type(p).__name__}")
        names.setdefault(id(p), name)
    return names


def _size(shape):
    return "(" + ", ".join(str(n) for n in shape) + ")"  # torchviz's form: (4) for one dimension


def _tensor_lines(t, name=None):
    """A tensor's label: its name if known, shape and dtype, and its value (and .grad) if it is one number."""
    lines = ([name] if name else []) + [f"{_size(t.shape)} {t.dtype}"]
    if t.array.size == 1:
        lines.append(f"data {t.array.item():.4g}")
        grad = t.grad if t.is_leaf or getattr(t, "retains_grad", False) else None  # torch warns on others
        if grad is not None:
            lines.append(f"grad {grad.array.item():.4g}")
    return lines


def _node_label(node, names, show_saved):
    """(label lines, kind) of an autograd node: a leaf's AccumulateGrad shows the leaf; an op its name."""
    leaf = getattr(node, "variable", None)
    if leaf is not None:
        return _tensor_lines(leaf, names.get(id(leaf))), "leaf"
    lines = [node.name()]
    if getattr(node, "result_shape", None) is not None:  # what the op gave: its output's shape and dtype
        lines.append(f"{_size(node.result_shape)} {node.result_dtype}")
    if show_saved:
        saved = [a for a in getattr(node, "saved", ()) if hasattr(a, "shape")]
        if getattr(node, "freed", False):
            lines.append("saved: freed by backward()")
        lines += [f"saved {_size(a.shape)} {a.dtype}" for a in saved]
    return lines, "op"


# The picture: a layered layout (rows by depth, as Graphviz's dot does, much simplified).

def _layout(graph):
    """Centres (x, y) and sizes (w, h) in inches for the nodes, and each edge's route as a list of points.
    Depth = the longest path down to an output, so every arrow points down; an edge that skips rows
    passes through invisible points in the rows between, which take room like nodes (Sugiyama's method)."""
    n = len(graph.nodes)
    sizes = [(max(len(s) for s in lines) * CHAR_W + 2 * PAD, len(lines) * LINE_H + 2 * PAD) for lines, _ in graph.nodes]
    edges = list(dict.fromkeys(graph.edges))
    consumers, inputs = [[] for _ in range(n)], [[] for _ in range(n)]
    for a, b in edges:
        consumers[a].append(b)
        inputs[b].append(a)
    depth, waiting = [0] * n, [len(c) for c in consumers]
    ready = [k for k in range(n) if not waiting[k]]
    while ready:  # Kahn's algorithm from the outputs up: a node's depth is final once all its consumers are
        b = ready.pop()
        for a in inputs[b]:
            depth[a] = max(depth[a], depth[b] + 1)
            waiting[a] -= 1
            if not waiting[a]:
                ready.append(a)
    routes = {}
    for a, b in edges:  # insert one invisible point per skipped row
        chain = [a]
        for d in range(depth[a] - 1, depth[b], -1):
            depth.append(d)
            sizes.append((COLUMN_GAP, 0.0))  # room on each side, so a line keeps clear of the boxes
            chain.append(len(depth) - 1)
        routes[(a, b)] = chain + [b]
    up, down = [[] for _ in depth], [[] for _ in depth]
    for chain in routes.values():
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
    rows = [[] for _ in range(max(depth) + 1)]
    for k, d in enumerate(depth):
        rows[len(rows) - 1 - d].append(k)  # row 0 at the top: the deepest inputs
    x = {k: float(i) for row in rows for i, k in enumerate(row)}
    both = [u + d for u, d in zip(up, down)]
    for sweep in range(12):  # pull each node under its inputs, then over its consumers, then between both
        order = rows if sweep % 2 == 0 else rows[::-1]
        for row in order:
            _place_row(row, x, sizes, both if sweep >= 8 else up if sweep % 2 == 0 else down)
    heights = [max(sizes[k][1] for k in row) for row in rows]
    left = min(x[k] - sizes[k][0] / 2 for k in x) - MARGIN
    y, top = {}, sum(heights) + ROW_GAP * (len(rows) - 1) + MARGIN
    for row, h in zip(rows, heights):
        for k in row:
            y[k] = top - h / 2
        top -= h + ROW_GAP
    centres = [(x[k] - left, y[k]) for k in range(len(depth))]
    width = max(cx + w / 2 for (cx, _), (w, _) in zip(centres, sizes)) + MARGIN
    height = sum(heights) + ROW_GAP * (len(rows) - 1) + 2 * MARGIN
    return centres[:n], sizes[:n], [[centres[k] for k in routes[e]] for e in graph.edges], (width, height)


def _place_row(row, x, sizes, neighbours):
    """Order a row by the mean x of each node's neighbours (the barycentre heuristic: fewer crossings),
    then place it as close to those x as the boxes allow, without overlaps."""
    want = {k: sum(x[j] for j in neighbours[k]) / len(neighbours[k]) if neighbours[k] else x[k] for k in row}
    row.sort(key=lambda k: want[k])
    placed, right = [], None
    for k in row:
        half = sizes[k][0] / 2
        cx = want[k] if right is None else max(want[k], right + COLUMN_GAP + half)
        placed.append(cx)
        right = cx + half
    shift = sum(want[k] - cx for k, cx in zip(row, placed)) / len(row)  # keep the row centred on its wishes
    for k, cx in zip(row, placed):
        x[k] = cx + shift


def _smooth(points):
    """A route through the invisible points as one smooth curve: each point the control point of a
    quadratic Bezier from the midpoint before it to the midpoint after it."""
    from matplotlib.path import Path
    vertices, codes = [points[0]], [Path.MOVETO]
    for k in range(1, len(points) - 1):
        after = points[k + 1] if k == len(points) - 2 else \
            ((points[k][0] + points[k + 1][0]) / 2, (points[k][1] + points[k + 1][1]) / 2)
        vertices += [points[k], after]
        codes += [Path.CURVE3, Path.CURVE3]
    if len(points) == 2:
        vertices.append(points[1])
        codes.append(Path.LINETO)
    return vertices, codes


def _draw(graph):
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        from matplotlib.path import Path
    except ImportError:
        raise ImportError("drawing the graph needs matplotlib: pip install matplotlib "
                          "(graph.source gives the DOT text without it)") from None
    centres, sizes, routes, (width, height) = _layout(graph)
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    for (lines, kind), (cx, cy), (w, h) in zip(graph.nodes, centres, sizes):
        ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.04",
                                    facecolor=COLORS[kind], edgecolor="black", linewidth=0.8))
        ax.text(cx, cy, "\n".join(lines), ha="center", va="center", family="monospace", fontsize=FONT_SIZE)
    for (a, b), points in zip(graph.edges, routes):
        points = list(points)
        points[0] = (points[0][0], points[0][1] - sizes[a][1] / 2)  # leave a box from its bottom edge
        points[-1] = (points[-1][0], points[-1][1] + sizes[b][1] / 2)  # and enter the next at its top
        path = Path(*_smooth(points))
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=10, linewidth=0.8,
                                     color="#333333", shrinkA=0, shrinkB=0))
    return fig
