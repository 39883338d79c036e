"""The JSON the server and its clients exchange, as Pydantic models: the server returns them, the
desktop parses its answers with them, and the OpenAPI document is generated from them.

Naming: `XCreate` / `XUpdate` for request bodies (unknown fields refused), `XPublic` for answers,
`XEvent` for the `data` of persisted events (by name in `contracts.wire.events`), `XFrame` for the
socket frames the server writes itself.
Instants are timezone-aware and travel as ISO 8601 in UTC (« 2026-12-02T09:00:00Z »); money as
strings of euros (« 25.00 »).
"""
