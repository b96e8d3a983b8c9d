"""Sample workstream apps used by the framework tests (installed only under GONGHUI_ENV=test)."""
