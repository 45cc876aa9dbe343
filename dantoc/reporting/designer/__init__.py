"""The form designer: ministry officers build a report form in the browser, one plain form
(one POST) per step, with a preview of the entry form at phone width. A design is the same
definition as a JSON upload, checked and saved by the same services."""
