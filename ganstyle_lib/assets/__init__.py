"""Every file the course downloads, declared once, checked, cached and packable.

Each downloadable file -- a dataset, pretrained weights, a painting -- is an
:class:`Asset` in :data:`REGISTRY` with its URL, checksum, size, license,
attribution and what the learner gets instead when it cannot be downloaded.
The rest of the library asks for assets by name::

    from ganstyle_lib import assets

    path = assets.fetch("starry_night")             # downloads once, then cached
    path = assets.fetch_or_fallback("mnist")        # None offline -> use the fallback
    print(assets.status("vgg19_notop"))             # "cached", "downloadable", ...

Every name below is importable from ``ganstyle_lib.assets``; each lives in the module of its job:

================  =====================================================================
module            names
================  =====================================================================
``registry``      :class:`Asset`, :data:`REGISTRY`, :data:`KINDS`, :func:`get`,
                  :func:`resolve`, :func:`human_size`, the errors (:class:`AssetError`,
                  :class:`ChecksumError`, :class:`AssetUnavailableError`,
                  :class:`UnknownAssetError`)
``cache``         :func:`path_for`, :func:`is_intact`, :func:`is_cached`
``downloads``     :func:`download`, :func:`fetch`, :func:`fetch_or_fallback`,
                  :func:`fetch_first_source`, :func:`sources`, :func:`status`, :func:`credit_line`,
                  :func:`network_available`, :func:`reset_network_cache`
``bundle``        :func:`pack`, :func:`unpack`, :data:`NPM_KIND` (workshops without network)
``attribution``   :func:`attribution_markdown` (the text of ``data/ATTRIBUTION.md``)
================  =====================================================================

Files live in ``$GANSTYLE_HOME/<kind>/<filename>`` (default ``~/.cache/ganstyle``, see
:func:`ganstyle_lib.config.cache_dir`). With ``GANSTYLE_OFFLINE=1`` the library never touches
the network and goes straight to cached files or fallbacks. Importing this package does not
import the course tooling: only :func:`pack` and :func:`unpack` read the npm pins of
:mod:`ganstyle_lib.course.webassets`, when they run.
"""

from .attribution import attribution_markdown
from .bundle import NPM_KIND, pack, unpack
from .cache import is_cached, is_intact, path_for
from .downloads import (
    credit_line,
    download,
    fetch,
    fetch_first_source,
    fetch_or_fallback,
    network_available,
    reset_network_cache,
    sources,
    status,
)
from .registry import (
    KINDS,
    REGISTRY,
    Asset,
    AssetError,
    AssetUnavailableError,
    ChecksumError,
    UnknownAssetError,
    get,
    human_size,
    resolve,
)

__all__ = [
    "AssetError",
    "ChecksumError",
    "AssetUnavailableError",
    "UnknownAssetError",
    "Asset",
    "REGISTRY",
    "KINDS",
    "get",
    "resolve",
    "human_size",
    "path_for",
    "is_intact",
    "is_cached",
    "network_available",
    "reset_network_cache",
    "download",
    "fetch",
    "fetch_or_fallback",
    "fetch_first_source",
    "sources",
    "status",
    "credit_line",
    "NPM_KIND",
    "pack",
    "unpack",
    "attribution_markdown",
]
