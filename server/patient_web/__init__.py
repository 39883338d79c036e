"""The patient pages: plain HTML + JavaScript modules + CSS, served by the companion server."""
