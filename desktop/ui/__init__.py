"""The only package that imports PySide6 and qasync: windows, pages, presenters, widgets."""
