"""GBCS messages, OTA upgrade images and their cryptography.

Pure codecs: bytes in, typed values out, and back to the same bytes. Nothing here
knows of radios, devices or the rig; the only file access is loading a keystore
directory when a caller asks for it. Every failure on bad input is a
:class:`GbcsError` (see :mod:`gbcs.errors`) naming the field and the byte offset.

Messages (:mod:`gbcs.framing`, :mod:`gbcs.payloads`)::

    message = decode(data)                  # GbcsMessage: header fields, content, signature, MAC
    encode(message) == data                 # always, for decoded messages
    payload = decode_payload(message)       # FirmwareTransferAlert, ..., or RawPayload
    alert_code_of(payload)                  # 0x8F8A, or None

Security (:mod:`gbcs.security`, :mod:`gbcs.keystore`)::

    keystore = KeyStore.load(Path("rtds/keystore"))      # or KeyStore() and add_*_key(...)
    verify(message, keystore, acb=RTDS_ACB)              # Verification(signature=Verdict, mac=Verdict)
    sign(message, ds_private_key); add_mac(message, ka_private_key, peer_ka_public_key)

Building what the rig and emulated devices send (:mod:`gbcs.builders`)::

    build_ccs08_alert(...), build_cs09_alert(...), build_fdra_dlms(...), build_fdra_gbz(...),
    build_firmware_verification_failed_alert(...), build_generic_critical_alert(...),
    build_cs06_command(...), build_cs06_response(...), build_cs06_alert(...),
    build_cs08_command(...), build_cs08_response(...)   -> GbcsMessage

OTA images (:mod:`gbcs.ota_image`) and DUIS requests (:mod:`gbcs.duis`)::

    image = parse_image(data); encode_image(image) == data
    image.manufacturer_image, image.manufacturer_image_hash, verify_image(image, supplier_public_key)
    build_image(...), sign_image(image, supplier_ds_key), check_applicability(header, ...)
    request = parse_firmware_request(xml_bytes)          # .firmware_image, .device_ids, ...

Registries (:mod:`gbcs.registry`): message codes, alert codes, device types and the DCC
alert (N-code) mapping, each entry saying whether it is confirmed or inferred.
"""

from hanrig.gbcs.alerts import DlmsAlert, DlmsFirmwareReceiptAlert, GbzAlert, GbzFirmwareReceiptAlert
from hanrig.gbcs.builders import (
    AlertForm,
    build_ccs08_alert,
    build_cs06_alert,
    build_cs06_command,
    build_cs06_precommand,
    build_cs06_response,
    build_cs08_command,
    build_cs08_response,
    build_cs09_alert,
    build_fdra_dlms,
    build_fdra_gbz,
    build_firmware_verification_failed_alert,
    build_generic_critical_alert,
)
from hanrig.gbcs.crypto import Verdict
from hanrig.gbcs.der import (
    ActivateFirmwareAccepted,
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
    ReadResult,
    TransferResult,
)
from hanrig.gbcs.dlms import DlmsDateTime, DlmsType, DlmsValue
from hanrig.gbcs.duis import FirmwareRequest, parse_firmware_request
from hanrig.gbcs.errors import (
    CryptoError,
    DecodeError,
    DuisError,
    EncodeError,
    GbcsError,
    HexError,
    ImageError,
    KeyStoreError,
    UnsupportedError,
)
from hanrig.gbcs.eui import RTDS_ACB, RTDS_SUPPLIER, Eui64
from hanrig.gbcs.framing import Cra, GbcsMessage, Layout, decode, encode
from hanrig.gbcs.hextext import message_bytes
from hanrig.gbcs.keystore import KeyStore, KeyUsage
from hanrig.gbcs.ota_image import (
    Applicability,
    ImageForm,
    OtaHeader,
    OtaImage,
    SubElement,
    build_image,
    check_applicability,
    encode_image,
    parse_image,
    sign_image,
    verify_image,
)
from hanrig.gbcs.payloads import Payload, RawPayload, alert_code_of, decode_payload, encode_payload
from hanrig.gbcs.registry import AlertCode, DeviceType, MessageCode
from hanrig.gbcs.security import (
    Protection,
    Verification,
    add_mac,
    authentic,
    required_protection,
    sign,
    verify,
    verify_mac,
    verify_signature,
)

__all__ = [
    "ActivateFirmwareAccepted", "ActivateFirmwareAlert", "ActivateFirmwareCommand",
    "ActivateFirmwareOutcome", "ActivateImageResult", "ActivationResult", "AlertCode", "AlertForm", "Applicability",
    "Cra", "CryptoError", "DecodeError", "DeviceType", "DlmsAlert", "DlmsDateTime",
    "DlmsFirmwareReceiptAlert", "DlmsType", "DlmsValue", "DuisError", "EncodeError", "Eui64",
    "FirmwareActivationAlert", "FirmwareRequest", "FirmwareTransferAlert", "GbcsError", "GbcsMessage",
    "GbzAlert", "GbzFirmwareReceiptAlert", "HexError", "ImageError", "ImageForm", "KeyStore",
    "KeyStoreError", "KeyUsage", "Layout", "MessageCode", "OtaHeader", "OtaImage", "Payload", "Protection", "RTDS_ACB",
    "RTDS_SUPPLIER", "RawPayload", "ReadFirmwareVersionCommand", "ReadFirmwareVersionResponse",
    "ReadResult", "SubElement", "TransferResult", "UnsupportedError", "Verdict", "Verification",
    "add_mac", "alert_code_of", "authentic", "build_ccs08_alert", "build_cs06_alert", "build_cs06_command",
    "build_cs06_precommand",
    "build_cs06_response", "build_cs08_command", "build_cs08_response", "build_cs09_alert",
    "build_fdra_dlms", "build_fdra_gbz", "build_firmware_verification_failed_alert",
    "build_generic_critical_alert", "build_image",
    "check_applicability", "decode", "decode_payload", "encode", "encode_image", "encode_payload",
    "message_bytes", "parse_firmware_request", "parse_image", "required_protection", "sign", "sign_image", "verify",
    "verify_image", "verify_mac", "verify_signature",
]
