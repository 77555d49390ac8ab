"""Unpickling a model file that ``weights_only=True`` refuses, without running anything it names.

A pickle names globals (``tagger.Tagger``, ``os.system``) and asks the loader to import and call
them. :class:`RestrictedUnpickler` imports nothing: every global becomes an inert
:class:`Placeholder` class that records its qualified name, and "calling" it (``REDUCE``,
``NEWOBJ``, ``BUILD``) only stores the arguments as data. The only exceptions are an exact list
of (module, name) pairs needed to rebuild tensors and plain containers
(``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``, ``collections.OrderedDict`` ...),
each mapped to a local function here that checks its arguments and builds a CPU tensor over
the file's own bytes. Storages come from the zip's ``data/N`` records (memory-mapped) or, in the
legacy format, from the raw bytes after the pickles; the location the file records
(``cuda:0``) is noted and ignored, so everything lands on the CPU.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import pickle
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from rnncli.errors import RnncliError

#: ``pickle.dumps(torch.serialization.MAGIC_NUMBER, protocol=2)``: how a legacy file starts.
LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + b"."

#: Globals that would run code if a naive loader imported and called them.
DANGEROUS_MODULES = frozenset(
    {"os", "posix", "nt", "subprocess", "sys", "builtins", "__builtin__", "shutil", "socket"}
    | {"importlib", "runpy", "code", "pty", "webbrowser", "pickle", "_pickle", "marshal"}
    | {"ctypes", "multiprocessing", "types", "functools", "operator", "codecs", "io", "platform"}
)


class Placeholder:
    """An inert stand-in for a global the file names: it stores what the pickle gives it.

    Subclasses are made per global (:func:`placeholder_class`) so that memoised references keep
    their identity; ``_rnncli_global`` holds the name as the file wrote it (``tagger.Tagger``).
    """

    _rnncli_global = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Placeholder:
        obj = object.__new__(cls)
        obj.__dict__["_rnncli_args"] = args
        obj.__dict__["_rnncli_kwargs"] = kwargs
        obj.__dict__["_rnncli_state"] = None
        obj.__dict__["_rnncli_items"] = []
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            self.__dict__["_rnncli_args"] = args
            self.__dict__["_rnncli_kwargs"] = kwargs

    def __setstate__(self, state: Any) -> None:
        self.__dict__["_rnncli_state"] = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__dict__["_rnncli_items"].append((key, value))

    def append(self, value: Any) -> None:
        self.__dict__["_rnncli_items"].append((None, value))

    def extend(self, values: Any) -> None:
        for value in list(values):
            self.append(value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # only a global can be "called"; calling what a call returned is a code-running gadget
        raise RnncliError(
            f"the pickle calls the result of {self._rnncli_global}(...), a trick to run code; "
            "refused (nothing was imported or run)"
        )

    def __repr__(self) -> str:
        return f"<{self._rnncli_global}>"


def placeholder_class(qualified: str) -> type[Placeholder]:
    """A fresh Placeholder subclass standing for ``qualified``; nothing is imported."""
    return type("Placeholder", (Placeholder,), {"_rnncli_global": qualified})


def global_name(obj: Any) -> Optional[str]:
    """``tagger.Tagger`` for a placeholder instance or class, else None."""
    if isinstance(obj, Placeholder) or (isinstance(obj, type) and issubclass(obj, Placeholder)):
        return obj._rnncli_global
    return None


def placeholder_state(obj: Placeholder) -> dict[str, Any]:
    """The attribute dict a placeholder was given by ``BUILD`` (an object's ``__dict__``)."""
    state = obj.__dict__.get("_rnncli_state")
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], (dict, type(None))):
        state = state[0]  # (dict state, slot state)
    return state if isinstance(state, dict) else {}


def placeholder_args(obj: Placeholder) -> tuple[Any, ...]:
    """The positional arguments the pickle passed when it "called" the global."""
    args = obj.__dict__.get("_rnncli_args", ())
    return args if isinstance(args, tuple) else ()


@dataclass
class StorageType:
    """What ``torch.FloatStorage`` stands for in a pickle: only its element type."""

    name: str
    dtype: Any

    def __setstate__(self, state: Any) -> None:  # BUILD on it: a pickle changing our objects
        raise RnncliError(f"the pickle tries to change torch.{self.name}; refused")


@dataclass
class Storage:
    """One storage from the file: a flat CPU tensor of its element type."""

    key: str
    flat: Any  # 1-D torch tensor


@dataclass
class UnpickleInfo:
    """What the restricted unpickler saw: every global named and every storage location."""

    globals_named: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)

    @property
    def placeholders(self) -> list[str]:
        """Globals turned into placeholders, sorted."""
        return sorted(g for g in self.globals_named if g not in _SAFE_NAMES)

    @property
    def dangerous(self) -> list[str]:
        """Placeholders a naive loader would have imported from modules that can run commands."""
        return [g for g in self.placeholders if g.split(".", 1)[0] in DANGEROUS_MODULES]


#: ``torch.<Name>Storage`` in a pickle -> the ``torch`` dtype attribute it stands for.
STORAGE_DTYPES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64",
    "UntypedStorage": "uint8",
}


#: ``torch.<dtype>`` globals (``_rebuild_tensor_v3`` names its dtype): a fixed list, so that no
#: other attribute of torch is ever looked up (some import submodules lazily).
DTYPE_NAMES = frozenset(
    {"float64", "float32", "float16", "bfloat16", "complex64", "complex128", "bool"}
    | {"int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64"}
    | {"float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"}
    | {"double", "float", "half", "long", "int", "short", "cfloat", "cdouble"}
)


def _storage_types() -> dict[str, StorageType]:
    import torch

    return {name: StorageType(name, getattr(torch, d)) for name, d in STORAGE_DTYPES.items()}


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise RnncliError(f"malformed tensor in the pickle: {what} is not a tuple of integers")
    return tuple(value)


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any, *_: Any) -> Any:
    """``torch._utils._rebuild_tensor_v2`` with every argument checked, over our own storage."""
    if not isinstance(storage, Storage):
        raise RnncliError("malformed tensor in the pickle: its storage is not one of the file's")
    if not isinstance(storage_offset, int) or storage_offset < 0:
        raise RnncliError("malformed tensor in the pickle: bad storage offset")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RnncliError("malformed tensor in the pickle: size and stride do not match")
    flat = storage.flat
    if 0 not in size:
        extent = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if extent > flat.numel():
            raise RnncliError(
                f"malformed tensor in the pickle: shape {list(size)} reaches past its storage "
                f"({flat.numel()} elements)"
            )
    return flat.as_strided(size, stride, flat.storage_offset() + storage_offset)


def _rebuild_tensor_v3(
    storage: Any,
    storage_offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any = False,
    hooks: Any = None,
    dtype: Any = None,
    *_: Any,
) -> Any:
    """``torch._utils._rebuild_tensor_v3``: bytes of an untyped storage read as ``dtype``
    (how torch saves uint16, float8 ...)."""
    import torch

    if not isinstance(storage, Storage) or not isinstance(dtype, torch.dtype):
        raise RnncliError("malformed tensor in the pickle: bad storage or dtype")
    flat = storage.flat
    if flat.dtype != dtype:
        raw = flat.view(torch.uint8)
        itemsize = torch.empty((), dtype=dtype).element_size()
        if raw.numel() % itemsize:
            raise RnncliError("malformed tensor in the pickle: storage size does not fit dtype")
        if raw.storage_offset() % itemsize:
            raw = raw.clone()
        flat = raw.view(dtype)
    return _rebuild_tensor(Storage(storage.key, flat), storage_offset, size, stride)


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    """A parameter is read as its plain tensor."""
    import torch

    if not isinstance(data, torch.Tensor):
        raise RnncliError("malformed parameter in the pickle: its data is not a tensor")
    return data


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    """A tensor subclass: rebuild the plain tensor with one of *our* functions only."""
    allowed = (_rebuild_tensor, _rebuild_tensor_v3, _rebuild_parameter)
    if not (isinstance(func, SafeGlobal) and func.function in allowed and isinstance(args, tuple)):
        raise RnncliError("malformed tensor in the pickle: unexpected rebuild function")
    return func(*args)


def _codecs_encode(text: Any, encoding: Any = "utf-8", *_: Any) -> bytes:
    """How protocol 2 writes ``bytes``: ``_codecs.encode(str, "latin1")``; nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise RnncliError("malformed bytes in the pickle")
    return text.encode("latin-1")


def _reconstructor(cls: Any, base: Any = None, state: Any = None) -> Any:
    """``copyreg._reconstructor``, how protocols 0 and 1 write objects: a placeholder only."""
    if not (isinstance(cls, type) and issubclass(cls, Placeholder)):
        raise RnncliError("malformed object in the pickle")
    return cls()


def _container(kind: type) -> Callable[..., Any]:
    def build(items: Any = ()) -> Any:
        if not isinstance(items, (list, tuple, set, frozenset, dict)):
            raise RnncliError(f"malformed {kind.__name__} in the pickle")
        return kind(items)

    return build


class SafeGlobal:
    """One of the few globals the restricted unpickler resolves, wrapped so that a pickle can
    call it but never change it (``BUILD`` on it would otherwise set the attributes, even the
    ``__defaults__``, of a function shared by every later read)."""

    __slots__ = ("function", "name")

    def __init__(self, name: str, function: Callable[..., Any]) -> None:
        self.name, self.function = name, function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __setstate__(self, state: Any) -> None:
        raise RnncliError(f"the pickle tries to change {self.name}; refused")

    def __repr__(self) -> str:
        return f"<{self.name}>"


_SAFE_FUNCTIONS: dict[tuple[str, str], Callable[..., Any]] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): _container(set),
    ("builtins", "frozenset"): _container(frozenset),
    ("_codecs", "encode"): _codecs_encode,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("torch", "Size"): _container(tuple),
}
_SAFE = {(m, n): SafeGlobal(f"{m}.{n}", f) for (m, n), f in _SAFE_FUNCTIONS.items()}
_SAFE_NAMES = (
    {f"{m}.{n}" for m, n in _SAFE}
    | {f"{m}.{n}" for m in ("torch", "torch.storage") for n in STORAGE_DTYPES}
    | {f"torch.{n}" for n in DTYPE_NAMES}
)


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` whose ``find_class`` never imports: placeholders for every global.

    ``storage_for(storage_type, key, numel)`` supplies the storage a persistent id names.
    """

    def __init__(
        self, file: Any, storage_for: Callable[[StorageType, str, int], Storage], info: UnpickleInfo
    ) -> None:
        super().__init__(file, encoding="utf-8")
        self._storage_for = storage_for
        self._info = info
        self._classes: dict[str, type[Placeholder]] = {}
        self._storage_types = _storage_types()

    def find_class(self, module: str, name: str) -> Any:
        module, name = str(module), str(name)
        # Python 2 names (``__builtin__``, ``commands.Popen``), as a naive loader would map them
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        qualified = f"{module}.{name}"
        self._info.globals_named.add(qualified)
        safe = _SAFE.get((module, name))
        if safe is not None:
            return safe
        if module in ("torch", "torch.storage") and name in self._storage_types:
            return self._storage_types[name]
        if module == "torch" and name in DTYPE_NAMES:
            import torch

            dtype = getattr(torch, name, None)
            if isinstance(dtype, torch.dtype):
                return dtype
        if qualified not in self._classes:
            self._classes[qualified] = placeholder_class(qualified)
        return self._classes[qualified]

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or not pid:
            raise RnncliError("malformed storage reference in the pickle")
        kind = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
        if kind == "module" and len(pid) >= 2:  # legacy whole models record their class source
            return pid[1]
        if kind != "storage" or len(pid) not in (5, 6):
            raise RnncliError(f"malformed storage reference in the pickle: {str(pid)[:80]}")
        storage_type, key, location, numel = pid[1:5]
        if len(pid) == 6 and pid[5] is not None:
            raise RnncliError("the file uses storage views of the oldest torch format")
        if not isinstance(storage_type, StorageType):
            named = global_name(storage_type) or type(storage_type).__name__
            raise RnncliError(f"malformed storage reference in the pickle: storage type {named}")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise RnncliError("malformed storage reference in the pickle")
        if isinstance(location, bytes):
            location = location.decode("ascii", "replace")
        self._info.locations.add(str(location))
        return self._storage_for(storage_type, key, numel)


def _zip_record_offset(path: Path, info: zipfile.ZipInfo) -> Optional[int]:
    """Where a stored (uncompressed) member's bytes start in the file, for a memory map."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def load_zip(path: Path, *, mmap: bool = True) -> tuple[Any, UnpickleInfo]:
    """The object in a ``torch.save`` zip, every global a placeholder, storages from the zip."""
    import torch

    info = UnpickleInfo()
    with zipfile.ZipFile(path) as zf:
        pickles = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if not pickles:
            raise RnncliError(f"{path} is a zip archive without a data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        members = {i.filename: i for i in zf.infolist()}
        whole = (
            torch.from_file(str(path), shared=False, size=path.stat().st_size, dtype=torch.uint8)
            if mmap
            else None
        )
        storages: dict[str, Storage] = {}

        def storage_for(storage_type: StorageType, key: str, numel: int) -> Storage:
            if key in storages:
                return storages[key]
            member = members.get(f"{prefix}data/{key}")
            if member is None:
                raise RnncliError(f"the pickle names storage {key!r}, which the zip lacks")
            itemsize = torch.empty((), dtype=storage_type.dtype).element_size()
            if member.file_size != numel * itemsize:
                raise RnncliError(f"storage {key!r} does not hold {numel} elements")
            start = _zip_record_offset(path, member) if whole is not None else None
            if start is not None and start % itemsize == 0:
                flat = whole[start : start + member.file_size].view(storage_type.dtype)
            else:
                raw = bytearray(zf.read(member))
                flat = (
                    torch.frombuffer(raw, dtype=torch.uint8).view(storage_type.dtype)
                    if raw
                    else torch.empty(0, dtype=storage_type.dtype)
                )
            storages[key] = Storage(key, flat)
            return storages[key]

        data = zf.read(pickles[0])
        obj = RestrictedUnpickler(io.BytesIO(data), storage_for, info).load()
    return obj, info


def load_legacy(path: Path) -> tuple[Any, UnpickleInfo]:
    """The object in a pre-1.6 ``torch.save`` file: magic, version, system info, the object,
    storage keys, then each storage as ``int64 numel`` + raw bytes."""
    import torch

    info = UnpickleInfo()
    size = path.stat().st_size
    storages: dict[str, Storage] = {}
    claimed = [0]  # bytes reserved for every storage so far: all of them lie inside the file

    def storage_for(storage_type: StorageType, key: str, numel: int) -> Storage:
        if key not in storages:
            itemsize = torch.empty((), dtype=storage_type.dtype).element_size()
            claimed[0] += numel * itemsize
            if claimed[0] > size:
                raise RnncliError(
                    f"storage {key!r} and those before it claim more bytes than the file holds"
                )
            storages[key] = Storage(key, torch.empty(numel, dtype=storage_type.dtype))
        return storages[key]

    def plain(f: Any) -> Any:
        return RestrictedUnpickler(f, storage_for, UnpickleInfo()).load()

    with open(path, "rb") as f:
        if plain(f) != 0x1950A86A20F9469CFC6C:
            raise RnncliError(f"{path} is a pickle without torch's magic number")
        plain(f)  # protocol version
        plain(f)  # sys_info
        obj = RestrictedUnpickler(f, storage_for, info).load()
        keys = plain(f)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise RnncliError("malformed storage list in the legacy file")
        for key in keys:
            storage = storages.get(key)
            if storage is None:
                raise RnncliError(f"the legacy file lists storage {key!r} that no tensor uses")
            head = f.read(8)
            if len(head) != 8:
                raise RnncliError("the legacy file ends before its storages (truncated?)")
            (numel,) = struct.unpack("<q", head)
            flat = storage.flat
            if numel != flat.numel():
                raise RnncliError(f"storage {key!r} does not hold {flat.numel()} elements")
            raw = f.read(numel * flat.element_size())
            if len(raw) != numel * flat.element_size():
                raise RnncliError("the legacy file ends inside a storage (truncated?)")
            if raw:
                flat.copy_(torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(flat.dtype))
    return obj, info
