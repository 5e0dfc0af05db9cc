"""Base learners: ``default_tree_learner`` (the default ``Base``) and ``default_linear_learner``.

ngboost's default base learner is scikit-learn's exact ``DecisionTreeRegressor(max_depth=3)``
(squared-error splits, one row per leaf at least). Here the default is ngb's compiled histogram tree
with the same depth, split rule (squared error of the gradient) and leaf size, so that switching
gives ngb's speed at once; its splits are chosen among at most 255 bins per feature rather than every
threshold. ``Base=DecisionTreeRegressor(max_depth=3)`` reproduces the reference's trees exactly.
"""

from sklearn.linear_model import Ridge

from ...tree import HistTreeRegressor

__all__ = ["default_tree_learner", "default_linear_learner"]

default_tree_learner = HistTreeRegressor(max_depth=3, min_samples_leaf=1)

default_linear_learner = Ridge(alpha=0.0)
