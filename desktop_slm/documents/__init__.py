"""Documents: read .txt/.md/.pdf/.docx/.html as text; write .md/.docx/.html."""

from desktop_slm.documents.export import export
from desktop_slm.documents.limits import DocumentError
from desktop_slm.documents.reader import Document, read_document

__all__ = ["Document", "DocumentError", "export", "read_document"]
