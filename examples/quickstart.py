"""Quickstart: predict a full Normal distribution of diabetes progression.

Fits NGBRegressor on scikit-learn's bundled diabetes data (442 patients) and reports, on a held-out
quarter: negative log-likelihood (nats), CRPS (units of y) and the coverage of 90% intervals.
Run: python examples/quickstart.py
"""

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

import ngb

X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

model = ngb.NGBRegressor(dist="normal", score="log", early_stopping=True, random_state=0)
model.fit(X_train, y_train)

dist = model.predict_dist(X_test)  # one Normal per test row
lower, upper = dist.interval(0.9)
print(f"iterations kept     : {model.n_iter_}")
print(f"test NLL            : {-dist.logpdf(y_test).mean():.3f} nats")
print(f"test CRPS           : {dist.score(y_test, 'crps').mean():.2f}")
print(f"90% interval cover  : {np.mean((y_test >= lower) & (y_test <= upper)):.1%}")
print(f"first patient       : mean {dist.mean()[0]:.1f}, sd {dist.std()[0]:.1f}, "
      f"90% interval [{lower[0]:.1f}, {upper[0]:.1f}], observed {y_test.iloc[0]:.0f}")
