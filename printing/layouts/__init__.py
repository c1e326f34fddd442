"""Drawing voter cards and posted voter lists from plain data (no ORM here).

`data` holds the dataclasses the services fill; `cards` and `voter_list` draw them with
reportlab; `fonts` registers the shipped DejaVu fonts and checks glyph coverage; `code128`
encodes and draws the card barcode as one path.
"""
