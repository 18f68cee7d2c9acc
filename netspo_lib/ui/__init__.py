"""ipywidgets components of the Voila pages; dashboards only import and call these."""
