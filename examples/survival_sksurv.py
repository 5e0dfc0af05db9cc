"""NGBSurvival with scikit-survival's metrics and scorers, next to scikit-survival's Cox model (FLCHAIN).

scikit-survival reads ``predict`` as a risk score (higher = earlier event) and calls
``predict_survival_function(X)`` without times; NGBSurvival follows both conventions, so its
scorer wrappers (``as_concordance_index_ipcw_scorer``, ``as_cumulative_dynamic_auc_scorer``,
``as_integrated_brier_score_scorer``) and metric functions take the model as they take Cox.
Predicted times are ``predict_median(X)``. Reports, on a 20% test split, Harrell's and Uno's
(IPCW) concordance, the mean cumulative/dynamic AUC and the integrated Brier score of both models.
Needs scikit-survival (``pip install scikit-survival``) and NGB_DATA_HOME (see examples/survival.py).
Run: python examples/survival_sksurv.py
"""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sksurv.linear_model import CoxPHSurvivalAnalysis
from sksurv.metrics import (as_concordance_index_ipcw_scorer, as_cumulative_dynamic_auc_scorer,
                            as_integrated_brier_score_scorer, concordance_index_censored, integrated_brier_score)

import ngb
from ngb.datasets import load_flchain
from ngb.survival import make_y

X, time, event = load_flchain(return_X_y=True)
y = make_y(time, event)
# Cox needs numbers: sex 0/1, creatinine's NaN imputed with the median plus a missing flag
M = X.assign(sex=(X["sex"].astype(str) == "M").astype(float), creat_missing=X["creatinine"].isna().astype(float))
tr, te = train_test_split(np.arange(len(y)), test_size=0.2, random_state=0, stratify=event)
M["creatinine"] = M["creatinine"].fillna(M["creatinine"].iloc[tr].median())
times = np.percentile(time[tr], [10, 25, 50, 75, 90])  # evaluation times, from the training rows

# dist= takes the family name, the class name or scipy's name: "lognormal", "LogNormal", "lognorm"
models = {
    "ngb NGBSurvival": (ngb.NGBSurvival(dist="LogNormal", learning_rate=0.05, n_estimators=300, random_state=0), X),
    "sksurv Cox PH": (make_pipeline(StandardScaler(), CoxPHSurvivalAnalysis(alpha=1e-4)), M),
}
print(f"{'model':16s} {'Harrell C':>9s} {'IPCW C':>7s} {'mean AUC':>8s} {'IBS':>7s}")
for name, (model, data) in models.items():
    Xtr, Xte = data.iloc[tr], data.iloc[te]
    model.fit(Xtr, y[tr])
    risk = model.predict(Xte)  # both: a risk score, higher = earlier death
    harrell = concordance_index_censored(y["event"][te], y["time"][te], risk)[0]
    # the scorer wrappers refit the model and score it as scikit-survival's model selection does
    ipcw = as_concordance_index_ipcw_scorer(model).fit(Xtr, y[tr]).score(Xte, y[te])
    auc = as_cumulative_dynamic_auc_scorer(model, times=times).fit(Xtr, y[tr]).score(Xte, y[te])
    ibs = -as_integrated_brier_score_scorer(model, times=times).fit(Xtr, y[tr]).score(Xte, y[te])
    print(f"{name:16s} {harrell:9.4f} {ipcw:7.4f} {auc:8.4f} {ibs:7.4f}")

ngb_model = models["ngb NGBSurvival"][0]
surv = ngb_model.predict_survival_function(X.iloc[te])  # one callable per patient, as Cox returns
S = np.vstack([fn(times) for fn in surv])
print(f"IBS from the callables: {integrated_brier_score(y[tr], y[te], S, times):.4f}")
print(f"patient 0: risk {ngb_model.predict(X.iloc[te[:1]])[0]:.0f} = minus the median survival time, "
      f"{ngb_model.predict_median(X.iloc[te[:1]])[0] / 365.25:.1f} years")
