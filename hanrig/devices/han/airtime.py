"""How long one APS frame takes over one 802.15.4 hop at 250 kbit/s, and how big it may be.

A deterministic model (the mean, not a random draw) built from the standard's constants,
so that a run with the airtime model on predicts the transfer time of a real hop:

* IEEE 802.15.4 O-QPSK at 2.4 GHz: 62.5 ksymbol/s, 16 us per symbol, 32 us per octet;
* every frame: 6 octets of PHY header (preamble 4, SFD 1, length 1) before its PSDU;
* before sending, unslotted CSMA-CA: a random backoff of 0..2^macMinBE-1 periods of
  20 symbols (mean 3.5 periods with macMinBE = 3), one CCA of 8 symbols and a receive-to-
  transmit turnaround of 12 symbols;
* an acknowledged MAC frame: a turnaround of 12 symbols, then the 5-octet MAC ACK;
* after it, the interframe spacing: LIFS (40 symbols) after frames over 18 octets, else
  SIFS (12 symbols);
* Zigbee's headers in the PSDU: MAC 9 + FCS 2, NWK 8, NWK security 14 + MIC 4, APS 8,
  plus the APS extended header (2) on a fragment. That leaves 82 octets of APS payload in
  a 127-octet frame, 80 in a fragment.

An APS-acknowledged unicast adds the APS ACK, a frame of its own in the other direction.
Retries, routing over more hops and interference are left out: they are faults.
"""

from __future__ import annotations

SYMBOL = 16e-6
OCTET = 2 * SYMBOL
PHY_HEADER = 6
MAX_PSDU = 127
UNIT_BACKOFF = 20 * SYMBOL
MEAN_INITIAL_BACKOFF = 3.5 * UNIT_BACKOFF
CCA = 8 * SYMBOL
TURNAROUND = 12 * SYMBOL
MAC_ACK_PSDU = 5
MAX_SIFS_FRAME = 18
SIFS = 12 * SYMBOL
LIFS = 40 * SYMBOL

MAC_OVERHEAD = 9 + 2
NWK_HEADER = 8
NWK_SECURITY = 14 + 4
APS_HEADER = 8
APS_FRAGMENT_HEADER = 2
#: an APS ACK of a fragment carries its block number and an ack bitfield
APS_FRAGMENT_ACK_HEADER = 3

_DATA_OVERHEAD = MAC_OVERHEAD + NWK_HEADER + NWK_SECURITY + APS_HEADER


def max_aps_payload(*, fragment: bool = False) -> int:
    """The most APS payload one frame carries: 82 octets, 80 in a fragment."""
    return MAX_PSDU - _DATA_OVERHEAD - (APS_FRAGMENT_HEADER if fragment else 0)


def frame_time(psdu: int, *, mac_ack: bool) -> float:
    """Seconds to send one frame of ``psdu`` octets: CSMA-CA, the frame, its MAC ACK, the IFS."""
    if not 0 < psdu <= MAX_PSDU:
        raise ValueError(f"an 802.15.4 PSDU has 1 to {MAX_PSDU} octets, not {psdu}")
    seconds = MEAN_INITIAL_BACKOFF + CCA + TURNAROUND + (PHY_HEADER + psdu) * OCTET
    if mac_ack:
        seconds += TURNAROUND + (PHY_HEADER + MAC_ACK_PSDU) * OCTET
    return seconds + (LIFS if psdu > MAX_SIFS_FRAME else SIFS)


def data_time(payload: int, *, fragment: bool = False) -> float:
    """Seconds for one APS data frame of ``payload`` octets over one hop, up to its MAC ACK."""
    limit = max_aps_payload(fragment=fragment)
    if not 0 <= payload <= limit:
        raise ValueError(f"one APS frame carries 0 to {limit} octets of payload, not {payload}")
    return frame_time(_DATA_OVERHEAD + (APS_FRAGMENT_HEADER if fragment else 0) + payload, mac_ack=True)


def aps_ack_time(*, fragment: bool = False) -> float:
    """Seconds for the APS ACK that answers a data frame, a frame of its own."""
    return frame_time(_DATA_OVERHEAD + (APS_FRAGMENT_ACK_HEADER if fragment else 0), mac_ack=True)


def unicast_time(payload: int, *, aps_ack: bool, fragment: bool = False) -> float:
    """Seconds for one APS unicast of ``payload`` octets over one hop, its APS ACK included."""
    seconds = data_time(payload, fragment=fragment)
    return seconds + aps_ack_time(fragment=fragment) if aps_ack else seconds


def broadcast_time(payload: int) -> float:
    """Seconds for one hop of a broadcast: no MAC or APS acknowledgement."""
    return frame_time(_DATA_OVERHEAD + payload, mac_ack=False)
