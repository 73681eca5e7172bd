"""certkit's own SM2 and ZUC-128, the references suites judge devices against."""
