"""Claim frequency with exposure: a Poisson rate per policy on French motor claims (freMTPL2freq).

Fits NGBRegressor(dist="poisson") on ClaimNb with log(Exposure) as an offset on the log rate, on
best-first histogram trees, early-stopped on a validation part; reports the mean Poisson deviance
of the predicted frequencies (weighted by exposure) against a constant rate, and the predicted
probability of at least one claim in a year for a few test policies.
Needs the data set: NGB_DATA_HOME (or data_home) pointing at a copy of ../shared/datasets.
Run: python examples/claim_frequency.py
"""

import numpy as np
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split

import ngb
from ngb.datasets import load_fremtpl2freq

df = load_fremtpl2freq()
df = df.sample(200_000, random_state=0)  # a subsample keeps the example quick
X = df[["VehPower", "VehAge", "DrivAge", "BonusMalus", "Density", "Area", "VehBrand", "VehGas", "Region"]].copy()
X["Density"] = np.log(X["Density"])  # category columns stay pandas categories: ngb splits them natively
claims, exposure = df["ClaimNb"].to_numpy(float), df["Exposure"].to_numpy(float)
X_tr, X_te, n_tr, n_te, e_tr, e_te = train_test_split(X, claims, exposure, test_size=0.25, random_state=0)
X_fit, X_val, n_fit, n_val, e_fit, e_val = train_test_split(X_tr, n_tr, e_tr, test_size=0.1, random_state=0)

model = ngb.NGBRegressor(
    dist="poisson",
    base=ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=31, min_samples_leaf=200),
    learning_rate=0.1, n_estimators=1000, early_stopping=True, n_iter_no_change=20, tol=0.0, random_state=0,
)
model.fit(X_fit, n_fit, offset=np.log(e_fit), X_val=X_val, y_val=n_val, offset_val=np.log(e_val))

# predicted frequency (claims per year) = predicted mean count at exposure 1
freq = model.predict_dist(X_te, offset=np.zeros(len(X_te))).mean()
constant = n_fit.sum() / e_fit.sum()
print(f"iterations kept          : {model.n_iter_}")
print(f"test Poisson deviance    : {mean_poisson_deviance(n_te / e_te, freq, sample_weight=e_te):.4f} "
      f"(constant rate: {mean_poisson_deviance(n_te / e_te, np.full(len(n_te), constant), sample_weight=e_te):.4f})")
one_year = model.predict_dist(X_te[:3], offset=np.zeros(3))
for i, p0 in enumerate(one_year.cdf(np.zeros(3))):
    print(f"policy {i}: {freq[i]:.3f} claims/year, P(at least one claim in a year) = {1 - p0:.1%}")
