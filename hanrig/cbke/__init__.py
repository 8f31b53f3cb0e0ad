"""Smart Energy Certificate-Based Key Establishment (CBKE): its cryptography, no I/O.

What a CH and a HAN device compute when they run the Key Establishment cluster (0x0800):

- :mod:`.field` and :mod:`.curve`: the Koblitz curves sect163k1 (crypto suite 1) and
  sect283k1 (crypto suite 2) over binary fields, which ``cryptography`` no longer offers;
- :mod:`.mmo`: the AES Matyas-Meyer-Oseas hash and the HMAC built on it;
- :mod:`.certificate`: the implicit certificates of both suites, declared with construct;
- :mod:`.ecqv`: public keys reconstructed from implicit certificates, and a CA that issues them;
- :mod:`.ecmqv` and :mod:`.agreement`: the shared secret, the keys derived from it and the
  confirmation MACs each side sends.

The arithmetic is checked against outside vectors: Certicom's test certificates (both
suites) and the ECMQV example of SEC's GEC 2 on sect163k1 (``tests/cbke``).
"""
