"""CBKE vectors from outside the project.

- Certicom's test certificates, as a lab pastes them from Certicom's site: the CA public
  key, the device's implicit certificate, its private key and its public key. Copied from
  the tests of zsmartsystems/com.zsmartsystems.zigbee (``CerticomCbkeCertificateTest`` and
  the Key Establishment client and server tests).
- The ECMQV example of SEC's GEC 2 (Test Vectors for SEC 1) on sect163k1: two parties'
  static and ephemeral key pairs and the shared value, as Bouncy Castle's ``ECTest`` carries it.
- The install code example of Silicon Labs' AN1089 and its AES-MMO link key.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.cbke.suites import SUITE_1, SUITE_2, CryptoSuite


@dataclass(frozen=True)
class CerticomCertificate:
    suite: CryptoSuite
    ca_public_key: bytes
    certificate: bytes
    private_key: bytes
    public_key: bytes


def _certicom(suite: CryptoSuite, ca: str, certificate: str, private: str, public: str) -> CerticomCertificate:
    return CerticomCertificate(suite, *(bytes.fromhex(x) for x in (ca, certificate, private, public)))


CERTICOM = (
    _certicom(SUITE_1, "0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8",
              "02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a",
              "0392ba4afc2453a49eebe9bca8de73210f02479a4a", "0207d1ca014786b5e552cfd5f04339a2e856f00eaaef"),
    _certicom(SUITE_1, "0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8",
              "0200caa15b4beede65c3139a5c3bc40c9ad153854a270022a300001731f354455354534543410109108301234567890a",
              "019fcc486fc46980ab4a612725b36f005edff075fe", "020366d312a0abf55654ead3e1624c31faed89c3bb20"),
    _certicom(SUITE_2, "0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752",
              "000b3ad5a312ab75d60d081112131415161718005b7ed230ffffffff0022080000000001080205bb3d1d1576197ff9ab65"
              "63915019a130437adb0ee7915432dc4a09c97dc595c5856800",
              "00997097b87684f62f555173c47be89935fbf6440ae292492b54c5829a0d541f4d26e254",
              "02012f082ee7db1bd3f89f16eabbf5d6221a5dcd077fc0c9d37b329eee8e2cdaee03439de0"),
)


@dataclass(frozen=True)
class MqvParty:
    static_private: int
    static_public: bytes
    ephemeral_private: int
    ephemeral_public: bytes


GEC2_MQV_U = MqvParty(
    0x03A41434AA99C2EF40C8495B2ED9739CB2155A1E0D, bytes.fromhex("03037D529FA37E42195F10111127FFB2BB38644806BC"),
    0x032FC4C61A8211E6A7C4B8B0C03CF35F7CF20DBD52, bytes.fromhex("02015198E74BC2F1E5C9A62B80248DF0D62B9ADF8429"),
)
GEC2_MQV_V = MqvParty(
    0x57E8A78E842BF4ACD5C315AA0569DB1703541D96, bytes.fromhex("03072783FAAB9549002B4F13140B88132D1C75B3886C"),
    0x02BD198B83A667A8D908EA1E6F90FD5C6D695DE94F, bytes.fromhex("03067E3AEA3510D69E8EDD19CB2A703DDC6CF5E56E32"),
)
GEC2_MQV_SHARED = bytes.fromhex("038359FFD30C0D5FC1E6154F483B73D43E5CF2B503")

AN1089_INSTALL_CODE = bytes.fromhex("83FED3407A939723A5C639B26916D505C3B5")
AN1089_LINK_KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")
