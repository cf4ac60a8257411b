"""The campaign database (SQLite, WAL): the single source of truth of a campaign."""

from .lock import CampaignBusyError, runner_lock
from .reads import StoreRows
from .records import HISTORICAL, INITIAL, LISTED, Candidate, CandidateState, Proposed, Requirement, ResultRow
from .schema import SCHEMA_VERSION, StoreError
from .store import Store

__all__ = ["HISTORICAL", "INITIAL", "LISTED", "SCHEMA_VERSION", "Candidate", "CampaignBusyError", "CandidateState",
           "Proposed", "Requirement", "ResultRow", "Store", "StoreError", "StoreRows", "runner_lock"]
