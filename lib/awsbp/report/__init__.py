"""Views over saved assessments: the domain workbook, the run summary and index, exports, and the execution of
the report notebooks into offline HTML. Nothing here runs a check: everything shown comes from
:class:`awsbp.assess.Assessment` (a what-if recomputes on purpose, through :func:`awsbp.assess.assess`)."""
