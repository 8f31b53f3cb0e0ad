"""ASH, the UART framing between an EZSP host and its NCP (Silicon Labs UG101), NCP side."""
