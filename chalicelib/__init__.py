"""Liaison: the desk through which a platform receives legal requests from authorities.

Everything under this package is deployed to Lambda. Pure rules live in
``domain``; AWS access lives in ``store`` and ``workflow``; HTTP lives in ``api``.
"""

__version__ = "0.1.0"
