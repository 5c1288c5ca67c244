"""What the Orders page shows beyond its saved views, as analyses for ``ui.runner``."""
from __future__ import annotations

from cxlib.analyses import orders
from cxlib.core.definitions import DefinitionSet
from cxlib.data.dataset import Dataset


def customer_table(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    """One row per customer (valid orders, net revenue, first and last order): the page's top customers."""
    return orders.customer_table(datasets[0], defs)
