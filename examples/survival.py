"""Survival times under right censoring: a LogNormal time to death per patient (FLCHAIN).

Fits NGBSurvival(dist="lognormal") with the right-censored log score on the serum free light chain
study (7,871 patients, 27.5% deaths observed), early-stopped on a validation part; reports the
concordance of the predicted medians, the censored log-likelihood and CRPS, and, for a few test
patients, the predicted median survival time, survival probabilities and the time by which 10% of
such patients would have died. verbose=1 logs the fit's progress on stderr (what each number is
is said on its first line). scikit-survival's metrics and scorers: examples/survival_sksurv.py.
Needs the data set: NGB_DATA_HOME (or data_home) pointing at a copy of ../shared/datasets.
Run: python examples/survival.py
"""

import numpy as np
from sklearn.model_selection import train_test_split

import ngb
from ngb.datasets import load_flchain
from ngb.survival import make_y

X, time, event = load_flchain(return_X_y=True)  # creatinine has NaN, sex is a category: both fine
y = make_y(time, event)  # structured (event, time), as scikit-survival uses
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0, stratify=event)
X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, test_size=0.2, random_state=0, stratify=y_tr["event"])

model = ngb.NGBSurvival(dist="lognormal", learning_rate=0.05, n_estimators=2000, early_stopping=True,
                        n_iter_no_change=50, random_state=0, verbose=1)
model.fit(X_fit, y_fit, X_val=X_val, y_val=y_val)

years = np.array([1, 5, 10]) * 365.25
S = model.predict_survival_function(X_te[:3], years)
print(f"iterations kept        : {model.n_iter_}")
print(f"test concordance       : {model.concordance(X_te, y_te):.3f}")
print(f"test censored log-lik. : {model.score(X_te, y_te):.3f} per patient")
dist = model.predict_dist(X_te)  # the structured y_te as fit takes it:
print(f"test censored CRPS     : {dist.score(y_te, score='censored_crps').mean():.1f} days per patient")
median = model.predict_median(X_te[:3]) / 365.25  # predict(X) is a risk score, minus this median
t10 = model.predict_dist(X_te[:3]).quantile(0.1) / 365.25  # 10% have died by then
for i in range(3):
    print(f"patient {i}: median {median[i]:.1f} years; survival at 1/5/10 years "
          + " / ".join(f"{s:.0%}" for s in S[i]) + f"; 10% dead by {t10[i]:.1f} years")
