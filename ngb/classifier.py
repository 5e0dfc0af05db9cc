"""NGBClassifier: class probabilities by natural gradient boosting of a Categorical."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from .boosting import BaseNGBoost, _ScoreParameter
from .distributions import Bernoulli, Categorical, SoftmaxCategorical

__all__ = ["NGBClassifier", "LabelledCategorical", "LabelledSoftmaxCategorical", "LabelledBernoulli"]


class _Labelled:
    """A classifier's predicted class distribution: ``classes`` (K,) holds the label of each code
    0..K-1 (the estimator's ``classes_``). ``sample`` draws labels; probabilities, ``logpdf``,
    ``cdf`` and the scores stay on the codes (column j of ``probs`` is ``classes[j]``)."""

    classes = None  # None (a distribution built without labels): draws are codes

    def sample(self, size=None, random_state=None):
        """Random labels: shape (n,) when size is None, else (n, size), of the dtype of ``classes``."""
        codes = super().sample(size, random_state)
        return codes if self.classes is None else self.classes[codes.astype(np.intp)]

    def _take(self, idx):
        obj = super()._take(idx)
        obj.classes = self.classes
        return obj

    def __repr__(self):
        labels = "" if self.classes is None else f", classes={self.classes[:10].tolist()}"
        return super().__repr__()[:-1] + labels + ")"

    @classmethod
    def labelled(cls, dist, classes):
        """``dist`` (a Categorical or Bernoulli) with the labels ``classes``, values kept exactly."""
        obj = cls.__new__(cls)
        obj.__dict__.update(dist.__dict__)
        obj.classes = np.asarray(classes)
        return obj


class LabelledCategorical(_Labelled, Categorical):
    __doc__ = Categorical.__doc__ + "\n\n    " + _Labelled.__doc__


class LabelledSoftmaxCategorical(_Labelled, SoftmaxCategorical):
    __doc__ = SoftmaxCategorical.__doc__ + "\n\n    " + _Labelled.__doc__


class LabelledBernoulli(_Labelled, Bernoulli):
    __doc__ = Bernoulli.__doc__ + "\n\n    " + _Labelled.__doc__


class NGBClassifier(ClassifierMixin, BaseNGBoost):
    """Natural gradient boosting for classification (labels of any type).

    Parameters are those of :class:`ngb.NGBRegressor`; ``dist=None`` is "softmax_categorical" (K
    classes from the training labels, one logit per class from three classes on, one logit for two
    classes); "categorical" has K - 1 logits relative to the first class (ngboost's
    parametrisation), "bernoulli" is accepted for two classes. ``score(X, y)`` is the mean
    log-likelihood of the observed labels, i.e. minus scikit-learn's ``log_loss``.

    Attributes add ``classes_`` (the sorted labels; ``predict_proba`` columns follow it).
    """

    score = _ScoreParameter()  # the mixin's score() is replaced by _score_method
    _default_dist = "softmax_categorical"

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit on X (n, p) and labels y (n,) of any type."""
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)

    def _stratify_split(self):
        return True

    def _check_y(self, y, dist, fitting=False):
        if dist.support != "class":
            raise ValueError(f"NGBClassifier needs a class family (softmax_categorical, categorical, bernoulli); got "
                             f"{dist.__name__}.")
        if fitting:
            y = _column(y)
            check_classification_targets(y)
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"y contains only one class ({classes[0]!r}); "
                    "a classifier needs at least 2 classes in the training labels."
                )
            if dist.__name__ == "Bernoulli" and len(classes) != 2:
                raise ValueError(f"Bernoulli needs exactly 2 classes; got {len(classes)}.")
            self.classes_ = classes
        return self._encode(y)

    def _encode(self, y):
        y = _column(y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unseen = self.classes_[codes] != y
        if np.any(unseen):
            raise ValueError(f"y contains labels not seen during fit: {np.unique(y[unseen])[:10].tolist()}.")
        return codes.astype(float)

    def _fit_marginal(self, dist, y, w):
        return dist.fit_marginal(y, w, n_classes=len(self.classes_))

    def predict_dist(self, X):
        """The predicted Categorical (Bernoulli for ``dist="bernoulli"``), one row per row of X;
        ``probs`` columns follow ``classes_`` and ``sample`` draws labels from ``classes_``."""
        return self._labelled(self._predict_dist(X))

    def _labelled(self, dist):
        cls = (LabelledBernoulli if isinstance(dist, Bernoulli) else
               LabelledSoftmaxCategorical if isinstance(dist, SoftmaxCategorical) else LabelledCategorical)
        return cls.labelled(dist, self.classes_)

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns in the order of ``classes_``."""
        return self.predict_dist(X).probs

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable label per row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_predict_proba(self, X):
        for d in self._staged_dists(X):
            yield d.probs

    def staged_predict_dist(self, X):
        for d in self._staged_dists(X):
            yield self._labelled(d)

    def staged_predict(self, X):
        for d in self._staged_dists(X):
            yield self.classes_[np.argmax(d.probs, axis=1)]

    def _score_method(self, X, y, sample_weight=None):
        """Mean log-likelihood of the labels (minus scikit-learn's log_loss); higher is better."""
        check_is_fitted_classes(self)
        codes = self._encode(y)
        d = self.predict_dist(X)
        if len(codes) != len(d):
            raise ValueError(f"X has {len(d)} rows but y has {len(codes)}.")
        return self._weighted_mean(d.logpdf(codes), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


def _column(y):
    y = np.asarray(y)
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y


def check_is_fitted_classes(est):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est, "classes_")
