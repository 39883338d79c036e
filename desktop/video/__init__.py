"""aiortc call engine, signaling, devices and tracks (no Qt).

Modules, from the outside in (nothing is imported here: aiortc and av take ~0.5 s to load, so
the app imports them only when a call starts):

- `engine`: `CallState`, `CallOptions`; `aiortc_engine`: the engine itself, `AiortcCallEngine`.
- `signaling`: call frames, `parse_frame`, the `SignalingChannel` port, `QueueSignaling`.
- `sources` / `sinks`: media ports, synthetic sources, `LatestFrameSink` for the video widget.
- `devices` / `capture`: camera and microphone listing and PyAV capture.
- `peer` (one peer connection), `tracks`, `ice`, `sdp`, `adaptation`, `recovery`, `stats`,
  `errors` (French, user-facing); the engine's tasks run on a `desktop.kernel` `TaskRunner`.
"""
