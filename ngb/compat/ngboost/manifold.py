"""``manifold(Score, Dist)``: a distribution class that also carries the scoring rule's score,
gradient and metric, as ngboost's ``manifold``."""

__all__ = ["manifold"]


def manifold(Score, Dist):
    """The class of ``Dist`` objects scored by ``Score``: its instances take parameters of shape
    (k, n) and offer ``score(Y)`` (n,), ``d_score(Y)`` (n, k), ``metric()`` (n, k, k),
    ``grad(Y, natural=True)`` and ``total_score(Y, sample_weight=None)``."""
    from .scores import ngb_score_name

    rule = ngb_score_name(Score)
    if rule not in Dist._scores():
        raise ValueError(f"The scoring rule {Score.__name__} is not implemented for the {Dist.__name__} distribution.")

    class Manifold(Score, Dist):
        _rule = rule

    Manifold.__name__ = Manifold.__qualname__ = f"{Dist.__name__}{Score.__name__}Manifold"
    return Manifold
