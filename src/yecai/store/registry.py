"""Imports every package's tables so that Base.metadata is complete (migrations, create_all)."""

from yecai.events import models as events_models  # noqa: F401
from yecai.expenses import models as expenses_models  # noqa: F401
from yecai.intake import models as intake_models  # noqa: F401
from yecai.intake import models_etl as intake_etl_models  # noqa: F401
from yecai.intake import models_review as intake_review_models  # noqa: F401
from yecai.inventory import models as inventory_models  # noqa: F401
from yecai.ledger import models as ledger_models  # noqa: F401
from yecai.masterdata import models as masterdata_models  # noqa: F401
from yecai.payables import models as payables_models  # noqa: F401
from yecai.posting import models as posting_models  # noqa: F401
from yecai.production import models as production_models  # noqa: F401
from yecai.purchasing import models as purchasing_models  # noqa: F401
from yecai.receivables import models as receivables_models  # noqa: F401
from yecai.receivables import models_dunning as receivables_dunning_models  # noqa: F401
from yecai.receivables import models_items as receivables_items_models  # noqa: F401
from yecai.receivables import models_review as receivables_review_models  # noqa: F401
from yecai.sales import models as sales_models  # noqa: F401
from yecai.sales import models_returns as sales_returns_models  # noqa: F401
from yecai.security import models as security_models  # noqa: F401
from yecai.store.base import Base

metadata = Base.metadata
