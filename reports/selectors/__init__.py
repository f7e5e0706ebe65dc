"""The reports' reads: the service report (``service``) and the billing export (``billing``),
the clients of the monthly report (``monthly``)."""
