"""What the OpenAPI document says that Litestar does not infer: request bodies exactly as
they are decoded, and bodies that may be left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


class StrictBodySchemaPlugin(OpenAPISchemaPlugin):
    """Request bodies (Structs that forbid unknown fields) documented by msgspec's own JSON
    Schema, the one their decoding enforces. Litestar's generic Struct schema leaves out
    `additionalProperties: false`, key patterns, map sizes and bounds inside unions, so a
    client following the document could send a body Kassa refuses.

    A body states rules its `check` enforces beyond msgspec in a `json_schema_extra`
    class variable, merged into its schema."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return (
            not field_definition.is_union
            and field_definition.is_subclass_of(msgspec.Struct)
            and field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        model = field_definition.type_
        _, definitions = msgspec.json.schema_components([model])
        document = _inlined(definitions[model.__name__], definitions)
        document.update(getattr(model, "json_schema_extra", {}))
        schema = schema_creator.schema_registry.get_schema_for_field_definition(field_definition)
        aliases = Schema.field_aliases()
        for key, value in document.items():
            setattr(schema, aliases.get(key, key), value)
        return schema


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    """`node` with msgspec's `$defs` references replaced by what they name (request bodies
    are not recursive, and an inner body or enum is no component of its own)."""
    if isinstance(node, dict):
        if "$ref" in node:
            named = definitions[node["$ref"].rsplit("/", 1)[1]]
            beside = {key: value for key, value in node.items() if key != "$ref"}
            return _inlined({**named, **beside}, definitions)
        return {key: _inlined(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    return node


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose JSON body may be left out (it then means `{}`) and is an object
    when sent. Handlers say so with `data: JSONBody[Body | None] = None`, which Litestar
    documents as a required body that may be `null`; the decoder refuses `null`."""

    def __post_init__(self) -> None:
        if not isinstance(self.request_body, RequestBody):
            return
        self.request_body.required = False
        for media in self.request_body.content.values():
            schema = media.schema
            if isinstance(schema, Schema) and schema.one_of:
                kept = [s for s in schema.one_of if not _is_null(s)]
                media.schema = kept[0] if len(kept) == 1 else Schema(one_of=kept)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Schema) and schema.type == OpenAPIType.NULL


# A 200 answer also given as these media types when asked (`Accept` or `?format=`).
ALTERNATE_MEDIA = {
    "text/html": Schema(type=OpenAPIType.STRING),
    "application/pdf": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
}


@dataclass
class AlternateMediaOperation(Operation):
    """An operation whose 200 answer is JSON by default, and HTML or PDF on request."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            for media_type, schema in ALTERNATE_MEDIA.items():
                ok.content[media_type] = OpenAPIMediaType(schema=schema)
