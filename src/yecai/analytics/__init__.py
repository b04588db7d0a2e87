"""Analytics: late-payment risk of open sales invoices and the 13-week cash-flow forecast.

The deciding code is pure (``analytics.domain``: payment history, features, the model and the
Monte Carlo forecast); ``analytics.service`` reads the books and documents it needs; the CLI, API
and web pages only render.
"""
