"""awsbp — an AWS security best-practice assessment workbook."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("awsbp")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
