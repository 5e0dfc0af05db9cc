"""Student's t families under ngboost's names: T (learned df), TFixedDf, TFixedDfFixedVar, Cauchy."""

from __future__ import annotations

import numpy as np

from ngb import distributions as _families

from .distn import RegressionDistn


class T(RegressionDistn):
    """Student's t: params (loc, log scale, log df); ``params`` keys loc, scale.
    (ngb's StudentT uses log(df / (1 + df)) for the third parameter.)"""

    _family = _families.StudentT
    n_params = 3

    @classmethod
    def _to_ngb(cls, params):
        theta = np.array(params, dtype=float).T
        df = np.exp(theta[:, 2])
        theta[:, 2] = np.log(df / (1.0 + df))
        return theta

    @classmethod
    def _from_ngb(cls, theta):
        params = np.array(theta, dtype=float).T
        r = np.exp(params[2])  # df / (1 + df)
        params[2] = np.log(r / (1.0 - r))
        return params

    def _jacobian(self):
        J = np.ones((len(self), 3))
        J[:, 2] = 1.0 / (1.0 + np.exp(self._params[2]))
        return J

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])
        self.var = self.scale**2
        self.df = np.exp(self._params[2])

    def predict(self):
        return self.loc

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class TFixedDf(RegressionDistn):
    """Student's t with df fixed (``fixed_df``, 3): params (loc, log scale); keys loc, scale."""

    _family = _families.TFixedDf
    n_params = 2
    fixed_df = 3.0

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])
        self.var = self.scale**2
        self.df = np.ones_like(self.loc) * self.fixed_df

    def predict(self):
        return self.loc

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class TFixedDfFixedVar(RegressionDistn):
    """Student's t with df 3 and scale 1 fixed: params (loc,); keys loc, scale (ones). ``fit`` gives
    the maximum-likelihood loc at scale 1 (ngboost 0.6.0's fits the scale too and returns its loc)."""

    _family = _families.TFixedDfFixedVar
    n_params = 1
    fixed_df = 3.0

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.ones_like(self.loc)
        self.var = np.ones_like(self.loc)
        self.df = np.ones_like(self.loc) * self.fixed_df

    def predict(self):
        return self.loc

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class Cauchy(TFixedDf):
    """Cauchy (Student's t with df = 1): params (loc, log scale); keys loc, scale."""

    _family = _families.Cauchy
    fixed_df = 1.0
