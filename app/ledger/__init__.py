"""The work ledger 工作台账 (Excel out) and the annex-layout plan import (Excel in)."""
