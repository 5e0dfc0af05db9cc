"""Class probabilities: handwritten digits (10 classes) with NGBClassifier.

Fits NGBClassifier (categorical distribution, log score) on scikit-learn's bundled digits, early-
stopped on a validation part; reports test accuracy, log loss and the Brier score of the predicted
probabilities, how often the true class is among the two most probable ones, and labels drawn
from the predicted distribution of one test image.
Run: python examples/classification.py
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

import ngb

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

model = ngb.NGBClassifier(learning_rate=0.1, n_estimators=500, early_stopping=True, random_state=0)
model.fit(X_train, y_train)

proba = model.predict_proba(X_test)  # (n, 10), rows sum to 1
onehot = np.eye(proba.shape[1])[np.searchsorted(model.classes_, y_test)]
top2 = np.argsort(proba, axis=1)[:, -2:]
print(f"iterations kept   : {model.n_iter_}")
print(f"test accuracy     : {accuracy_score(y_test, model.predict(X_test)):.3f}")
print(f"test log loss     : {log_loss(y_test, proba, labels=model.classes_):.3f}")
print(f"test Brier score  : {np.mean(np.sum((proba - onehot) ** 2, axis=1)):.3f}")
print(f"true class in top 2: {np.mean(np.any(model.classes_[top2] == y_test[:, None], axis=1)):.1%}")
draws = model.predict_dist(X_test[:1]).sample(1000, random_state=0)[0]  # labels of classes_
labels, counts = np.unique(draws, return_counts=True)
print("1000 labels drawn for test image 0: " + ", ".join(f"{label}: {c}" for label, c in zip(labels, counts))
      + f" (true {y_test[0]})")
