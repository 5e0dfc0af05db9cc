"""Compatibility layers for code written against other libraries' APIs.

``ngb.compat.ngboost`` mirrors the public API of ngboost 0.6.0: replace ``ngboost`` by
``ngb.compat.ngboost`` in the imports and the code runs on ngb's engine.
"""
