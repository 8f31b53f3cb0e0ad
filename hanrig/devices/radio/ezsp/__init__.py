"""EZSP, the EmberZNet Serial Protocol (Silicon Labs UG100), as an NCP speaks it."""
