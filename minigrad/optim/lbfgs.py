"""L-BFGS, as PyTorch's optim.LBFGS (after minFunc): Newton's method with the curvature learned
from the last few steps instead of a Hessian.

Newton would step d = -H^-1 g. BFGS builds an estimate of H^-1 from what the steps showed: each
step s = x_new - x moved the gradient by y = g_new - g, and H^-1 should map y to s. "Limited
memory": only the last `history_size` pairs (s, y) are kept, and H^-1 g is computed from them by
the two-loop recursion, never as a matrix:
    q = -g;  for i newest..oldest: a_i = rho_i s_i.q,  q -= a_i y_i        (rho_i = 1 / y_i.s_i)
    r = H_diag q   (H_diag = y.s / y.y of the newest pair: the scale of the curvature)
    for i oldest..newest: b_i = rho_i y_i.r,  r += (a_i - b_i) s_i;   d = r
A pair is kept only if y.s > 1e-10 (the curvature is positive). The step along d is lr (the first
one min(1, 1/|g|_1) * lr), or what the strong Wolfe line search (line_search.py) finds.

`step(closure)` runs up to max_iter such iterations, calling closure() (which zeroes the gradients,
computes the loss, calls backward and returns the loss) for each new point, and stops early when the
gradient is below tolerance_grad, the step or the loss change below tolerance_change, or max_eval
evaluations are spent. The parameters are seen as one flat vector; one parameter group only.
"""
from ..autograd import enable_grad, no_grad
from ..array_module import get_array_module
from ..nn.utils import grad_array
from ..tensor import Tensor
from .line_search import strong_wolfe
from .optimizer import ArrayState, Optimizer


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector ----------------------------------------------------
    def _gather_flat_grad(self):
        xp = get_array_module(self._params[0].array)
        return xp.concatenate([grad_array(p).reshape(-1) if p.grad is not None else xp.zeros(p.array.size, p.dtype)
                               for p in self._params])

    def _add_grad(self, step_size, update):
        """x += step_size * update, the flat update cut back into the parameters' shapes."""
        offset = 0
        for p in self._params:
            p.array += step_size * update[offset:offset + p.array.size].reshape(p.array.shape)
            offset += p.array.size

    def _clone_param(self):
        return [p.array.copy() for p in self._params]

    def _set_param(self, arrays):
        for p, array in zip(self._params, arrays):
            p.array[...] = array

    def _directional_evaluate(self, closure, x, t, d):
        """The loss and flat gradient at x + t d; the parameters are put back to x."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- one optimisation step: up to max_iter iterations ----------------------------------------
    def step(self, closure):
        """Minimise the loss closure() computes; returns its first value (at the parameters on entry)."""
        def evaluate():  # the closure records its graph even though the updates here do not
            with enable_grad():
                return closure()
        self._opt_called = True  # (schedulers check that the optimizer has stepped)
        with no_grad():
            return self._step(evaluate)

    def _step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = ArrayState(self.state[self._params[0]])  # the whole optimiser's state: with the first parameter
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss, current_evals = float(orig_loss), 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if abs(flat_grad).max() <= tolerance_grad:  # already at an optimum
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps = state.get("old_dirs"), state.get("old_stps")  # the (y, s) pairs
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # no history yet: steepest descent
                d, old_dirs, old_stps, ro, H_diag = -flat_grad, [], [], [], 1
            else:
                y, s = flat_grad - prev_flat_grad, d * t
                ys = y.dot(s)
                if ys > 1e-10:  # remember the pair (s, y) only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                al = state.setdefault("al", [None] * history_size)
                q = -flat_grad  # the two-loop recursion: d = -H^-1 g
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)  # the slope along d
            if gtd > -tolerance_change:  # d does not go down
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda x, t, d: self._directional_evaluate(closure, x, t, d), x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step
                if n_iter != max_iter:  # the loss at the new point (the last iteration leaves it to the next step)
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:  # no progress
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
