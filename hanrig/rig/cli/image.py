"""``hanrig image build`` and ``hanrig image inspect``: OTA upgrade images for the rig to serve."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric import ec
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hanrig.bench.errors import ConfigError
from hanrig.console import EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT_FAILED, emit_json, fail, json_option
from hanrig.gbcs.crypto import Verdict
from hanrig.gbcs.duis import FirmwareRequest, looks_like_xml, parse_firmware_request
from hanrig.gbcs.errors import GbcsError
from hanrig.gbcs.eui import RTDS_SUPPLIER
from hanrig.gbcs.keystore import KeyStore, KeyUsage, load_private_key, load_public_key
from hanrig.gbcs.ota_image import ImageForm, OtaImage, build_image, encode_image, parse_image, verify_image
from hanrig.gbcs.primitive import Primitive, to_primitive
from hanrig.rig.cli.inputs import display_name, eui, number, read_input


@click.group(name="image")
def image_group() -> None:
    """OTA upgrade images: build them and look inside them."""


@image_group.command(name="build")
@click.option("--manufacturer-code", required=True, help="Manufacturer code (decimal or 0x hex).")
@click.option("--image-type", required=True, help="Image type (decimal or 0x hex).")
@click.option("--file-version", required=True, help="File version, 32 bits (decimal or 0x hex).")
@click.option("--hw-min", help="Minimum hardware version; give --hw-max too.")
@click.option("--hw-max", help="Maximum hardware version; give --hw-min too.")
@click.option("--header-string", default="", help="Header string, at most 32 bytes of UTF-8.")
@click.option("--stack-version", default="0x0002", show_default=True, help="ZigBee stack version.")
@click.option("--sign-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Supplier DS private key (PEM) to sign the Manufacturer Image with (gbcs format).")
@click.option("--force-replace", is_flag=True,
              help="Set the Force Replace flag in the signature trailer: the CH replaces an image it holds with "
                   "this one even if this one's version is not newer (needs --sign-key).")
@click.option("--format", "form", type=click.Choice([form.value for form in ImageForm]),
              default=ImageForm.GBCS.value, show_default=True,
              help="gbcs: the DUIS sample layout; zigbee: tag-length sub-elements.")
@click.option("--payload", "payload_name", required=True, help="Manufacturer Image file (- for stdin).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the OTA file.")
@json_option
def build_command(manufacturer_code: str, image_type: str, file_version: str, hw_min: str | None,
                  hw_max: str | None, header_string: str, stack_version: str, sign_key: Path | None,
                  force_replace: bool, form: str, payload_name: str, output: Path, as_json: bool) -> None:
    """Build an OTA upgrade image from a Manufacturer Image."""
    if (hw_min is None) != (hw_max is None):
        raise ConfigError("--hw-min and --hw-max go together")
    if sign_key is not None and form != ImageForm.GBCS:
        raise ConfigError("--sign-key applies to the gbcs format only")
    if force_replace and sign_key is None:
        raise ConfigError("--force-replace travels in the signature trailer: give --sign-key too")
    hardware = None
    if hw_min is not None and hw_max is not None:
        hardware = (number(hw_min, option="--hw-min", bits=16), number(hw_max, option="--hw-max", bits=16))
    image = build_image(
        manufacturer_code=number(manufacturer_code, option="--manufacturer-code", bits=16),
        image_type=number(image_type, option="--image-type", bits=16),
        file_version=number(file_version, option="--file-version", bits=32),
        manufacturer_image=read_input(payload_name),
        form=ImageForm(form),
        hardware_versions=hardware,
        header_text=header_string,
        stack_version=number(stack_version, option="--stack-version", bits=16),
        sign_key=load_private_key(sign_key) if sign_key is not None else None,
        force_replace=force_replace,
    )
    data = encode_image(image)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write ({exc.strerror})") from None
    summary = {"file": str(output), "size": len(data), "form": str(image.form),
               "signed": image.signature is not None, "force_replace": image.force_replace,
               "manufacturer_image_sha256": image.manufacturer_image_hash.hex()}
    if as_json:
        emit_json(summary)
    else:
        click.echo(f"wrote {output}: {len(data)} bytes, {image.form} form, "
                   f"{'signed' if image.signature else 'unsigned'}{', force replace' if image.force_replace else ''}, "
                   f"Manufacturer Image SHA-256 {image.manufacturer_image_hash.hex()}")


def _verification_key(keystore_dir: Path | None, verify_key: Path | None,
                      supplier: str) -> tuple[ec.EllipticCurvePublicKey | None, str | None]:
    """The public key to check the image signature with (None: none given or held), and its name."""
    if keystore_dir is not None and verify_key is not None:
        raise ConfigError("give --keystore or --verify-key, not both")
    if verify_key is not None:
        return load_public_key(verify_key), str(verify_key)
    if keystore_dir is not None:
        supplier_eui = eui(supplier, option="--supplier")
        public = KeyStore.load(keystore_dir, private_keys_of=()).public_key(supplier_eui, KeyUsage.DIGITAL_SIGNING)
        return public, supplier_eui
    return None, None


@dataclass(frozen=True)
class Inspection:
    """One inspected image, and the DUIS request it came in, if any."""

    file: str
    image: OtaImage
    file_size: int
    request: FirmwareRequest | None
    signature: Verdict
    verified_with: str | None

    def as_record(self) -> dict[str, Primitive]:
        """The JSON object ``--json`` prints."""
        header = self.image.header
        header_fields = to_primitive(header)
        assert isinstance(header_fields, dict)
        return {
            "file": self.file,
            "source": "ota" if self.request is None else "duis",
            "duis": None if self.request is None else {
                "request_id": self.request.request_id,
                "service_reference": self.request.service_reference,
                "firmware_version": self.request.firmware_version,
                "device_ids": list(self.request.device_ids),
            },
            "form": str(self.image.form),
            "header": {**header_fields, "header_text": header.header_text,
                       "field_control": int(header.field_control), "header_length": header.header_length},
            "file_size": self.file_size,
            "manufacturer_image_size": len(self.image.manufacturer_image),
            "manufacturer_image_sha256": self.image.manufacturer_image_hash.hex(),
            "signature": str(self.signature),
            "verified_with": self.verified_with,
            "force_replace": self.image.force_replace if self.image.signature is not None else None,
        }

    def rows(self) -> list[tuple[str, str]]:
        """Label and value lines for people."""
        header = self.image.header
        rows: list[tuple[str, str]] = []
        if self.request is not None:
            rows += [("DUIS request", f"{self.request.service_reference} {self.request.request_id}"),
                     ("firmware version", self.request.firmware_version),
                     ("devices", " ".join(self.request.device_ids))]
        rows += [
            ("form", str(self.image.form)),
            ("manufacturer", f"0x{header.manufacturer_code:04X}"),
            ("image type", f"0x{header.image_type:04X}"),
            ("file version", f"0x{header.file_version:08X}"),
            ("stack version", f"0x{header.stack_version:04X}"),
            ("header version", f"0x{header.header_version:04X}"),
            ("header string", repr(header.header_text)),
            ("field control", f"0x{header.field_control:04X}"),
        ]
        if header.minimum_hardware_version is not None and header.maximum_hardware_version is not None:
            rows.append(("hardware versions", f"0x{header.minimum_hardware_version:04X} "
                                              f"to 0x{header.maximum_hardware_version:04X}"))
        if header.security_credential_version is not None:
            rows.append(("security credential version", str(header.security_credential_version)))
        if header.upgrade_file_destination is not None:
            rows.append(("upgrade file destination", header.upgrade_file_destination))
        signature = str(self.signature) + (f" ({self.verified_with})" if self.verified_with else "")
        rows += [
            ("header length", str(header.header_length)),
            ("image size", f"{header.image_size} (file {self.file_size} bytes)"),
            ("manufacturer image", f"{len(self.image.manufacturer_image)} bytes"),
            ("SHA-256", self.image.manufacturer_image_hash.hex()),
            ("signature", signature),
        ]
        if self.image.signature is not None:
            rows.append(("force replace", "yes" if self.image.force_replace else "no"))
        return rows


def _render(inspection: Inspection) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in inspection.rows():
        table.add_row(label, Text(value))
    console = Console()
    console.print(Text(inspection.file, style="bold underline"))
    console.print(table)


@image_group.command(name="inspect")
@click.option("--keystore", "keystore_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keystore directory; the signature is checked with the --supplier DS key in it.")
@click.option("--supplier", default=str(RTDS_SUPPLIER), show_default=True,
              help="EUI-64 of the Supplier whose DS key signs images (used with --keystore).")
@click.option("--verify-key", type=click.Path(dir_okay=False, path_type=Path),
              help="PEM certificate or public key to check the signature with.")
@json_option
@click.argument("file")
def inspect_command(keystore_dir: Path | None, supplier: str, verify_key: Path | None, as_json: bool,
                    file: str) -> None:
    """Show an OTA file's header, sizes, Manufacturer Image SHA-256 and signature status.

    FILE is an OTA file or a DUIS 11.1/11.4 request whose FirmwareImage is inspected
    (- for stdin). Exit 1 if the signature is invalid.
    """
    public_key, key_name = _verification_key(keystore_dir, verify_key, supplier)
    shown = display_name(file)
    data = read_input(file)
    try:
        request = parse_firmware_request(data) if looks_like_xml(data) else None
        image_bytes = request.firmware_image if request else data
        image = parse_image(image_bytes)
    except GbcsError as exc:
        fail(f"{shown}: {exc}", EXIT_BAD_INPUT)
    verdict = verify_image(image, public_key)
    inspection = Inspection(shown, image, len(image_bytes), request, verdict, key_name)
    if as_json:
        emit_json(inspection.as_record())
    else:
        _render(inspection)
    raise click.exceptions.Exit(EXIT_VERDICT_FAILED if verdict is Verdict.INVALID else EXIT_OK)
