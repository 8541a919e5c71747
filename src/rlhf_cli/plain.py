"""Plain classes from a table of fields: what `@dataclass(slots=True)` gave, for a fraction of
the start-up cost.

Making a dataclass execs generated source for its methods, about a millisecond a class, and the
`dataclasses` module pulls in `inspect` (ten more); the modules every command imports had some
twenty. A `Plain` subclass declares its fields the same way, as annotations with defaults
(ClassVars aside), and gets `__slots__`, a field table and one shared `__init__` (positional or
keyword arguments, in field order), `__repr__` and, unless `eq=False`, field-wise `__eq__`;
`frozen=True` forbids assignment and hashes by the fields. mypy reads the classes as it reads
dataclasses (`dataclass_transform`), so constructor calls stay checked.

    class Hit(Plain):
        position: int
        field: str = "name"
        words: list[str] = many()  # a fresh empty list each (dataclasses' default_factory=list)
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: the warm path need not import typing (mypy reads it as true)
if TYPE_CHECKING:
    from typing import Any, ClassVar, dataclass_transform
else:

    def dataclass_transform(**_: object) -> object:
        return lambda target: target


# Objects of a class built with the generic __init__ before its own is compiled (see Plain.__init__).
COMPILE_AFTER = 64


class _Many:
    """The default of a list field: each object gets a fresh empty list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "[]"


_MANY = _Many()


def many() -> Any:
    """The default of a list field (typed Any so that `aliases: list[str] = many()` checks)."""
    return _MANY


def _values(item: Plain) -> tuple[object, ...]:
    return tuple(getattr(item, key) for key in item.FIELDS)


def _equal(self: Plain, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Plain) -> int:
    return hash(_values(self))


def _refuse(self: Plain, name: str, value: object = None) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _compiled_init(cls: type[Plain]) -> Any:
    """An __init__ for `cls` with one parameter a field, in field order, as a dataclass's: Python
    reports a missing or unknown argument, and each field is one attribute store (a generic
    loop over the field table took four times as long, paid for every entry of a catalogue)."""
    parameters, lines = [], []
    for key in cls.FIELDS:
        if key in cls.LISTS:
            parameters.append(f"{key}=_MANY")
            value = f"[] if {key} is _MANY else {key}"
        else:
            parameters.append(key if key in cls.REQUIRED else f"{key}=_DEFAULTS[{key!r}]")
            value = key
        lines.append(f"    _set(self, {key!r}, {value})" if cls._FROZEN else f"    self.{key} = {value}")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(lines or ["    pass"]) + "\n"
    namespace: dict[str, Any] = {"_MANY": _MANY, "_DEFAULTS": cls.DEFAULTS, "_set": object.__setattr__}
    exec(source, namespace)  # our own field names, not input
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


@dataclass_transform()
class _Fields(type):
    """The metaclass of `Plain`: a class's annotated fields become its `__slots__` and its table.

    FIELDS: every field name, the base classes' first, in declaration order; REQUIRED: those
    without a default; LISTS: those whose default is a fresh empty list (`many()`); DEFAULTS: the
    default of each other one; ANNOTATIONS: each field's annotation, as written (a string)."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        eq: bool | None = None,
        frozen: bool | None = None,
    ) -> _Fields:
        annotations: dict[str, str] = namespace.get("__annotations__", {})
        own = tuple(key for key, text in annotations.items() if not text.startswith("ClassVar"))
        defaults = {key: namespace.pop(key) for key in own if key in namespace}
        namespace["__slots__"] = own
        # Fields are inherited along one line of Plain classes (the first base that is one).
        parent = next((base for base in bases if isinstance(base, _Fields)), None)
        table: dict[str, Any] = {"FIELDS": (), "REQUIRED": (), "LISTS": (), "DEFAULTS": {}, "ANNOTATIONS": {}}
        if parent is not None:
            table = {key: getattr(parent, key) for key in table}
        namespace["FIELDS"] = (*table["FIELDS"], *own)
        namespace["REQUIRED"] = (*table["REQUIRED"], *(key for key in own if key not in defaults))
        namespace["LISTS"] = (*table["LISTS"], *(key for key, value in defaults.items() if value is _MANY))
        namespace["DEFAULTS"] = table["DEFAULTS"] | {k: v for k, v in defaults.items() if v is not _MANY}
        namespace["ANNOTATIONS"] = table["ANNOTATIONS"] | {key: annotations[key] for key in own}
        eq = eq if eq is not None else getattr(parent, "_EQ", True)
        frozen = frozen if frozen is not None else getattr(parent, "_FROZEN", False)
        namespace["_EQ"], namespace["_FROZEN"] = eq, frozen
        if parent is not None and "__init__" not in namespace:
            namespace["__init__"] = Plain.__dict__["__init__"]  # compiles this class's own (see there)
        if eq and "__eq__" not in namespace:
            namespace["__eq__"] = _equal
            namespace.setdefault("__hash__", _hash if frozen else None)
        elif not eq and "__eq__" not in namespace:  # by identity, whatever a base class said
            namespace["__eq__"] = object.__eq__
            namespace.setdefault("__hash__", object.__hash__)
        if frozen:
            namespace["__setattr__"] = _refuse
            namespace["__delattr__"] = _refuse
        return super().__new__(mcs, name, bases, namespace)


class Plain(metaclass=_Fields):
    """The base of the plain classes (see the module's docstring)."""

    FIELDS: ClassVar[tuple[str, ...]]
    REQUIRED: ClassVar[tuple[str, ...]]
    LISTS: ClassVar[tuple[str, ...]]
    DEFAULTS: ClassVar[dict[str, object]]
    ANNOTATIONS: ClassVar[dict[str, str]]
    _EQ: ClassVar[bool]
    _FROZEN: ClassVar[bool]
    _MADE: ClassVar[int]  # objects built so far with the generic __init__

    def __init__(self, *args: Any, **values: Any) -> None:
        # A generic loop over the field table: for the first objects of a class (a command builds
        # a few). The COMPILE_AFTER-th compiles the class's own __init__ (`_compiled_init`, a
        # fraction of a millisecond) and puts it in the class, in this method's place: loading a
        # catalogue builds thousands, and the loop takes about twice as long as the compiled one.
        cls = type(self)
        made = cls.__dict__.get("_MADE", 0) + 1
        type.__setattr__(cls, "_MADE", made)
        if made >= COMPILE_AFTER:
            init = _compiled_init(cls)
            type.__setattr__(cls, "__init__", init)
            init(self, *args, **values)
            return
        if args:
            if len(args) > len(cls.FIELDS):
                raise TypeError(f"{cls.__name__}() takes {len(cls.FIELDS)} arguments, {len(args)} given")
            for key, value in zip(cls.FIELDS, args, strict=False):
                if key in values:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
                values[key] = value
        for key in cls.REQUIRED:
            if key not in values:
                raise TypeError(f"{cls.__name__}() missing required argument {key!r}")
        for key, default in cls.DEFAULTS.items():
            if key not in values:
                values[key] = default
        for key in cls.LISTS:
            if key not in values:
                values[key] = []
        if len(values) != len(cls.FIELDS):
            raise TypeError(f"{cls.__name__}() got unexpected arguments {sorted(set(values) - set(cls.FIELDS))}")
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={getattr(self, key)!r}" for key in type(self).FIELDS)
        return f"{type(self).__name__}({shown})"
