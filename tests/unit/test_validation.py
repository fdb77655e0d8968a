import pytest

from actions.validation import normalise_order_id


@pytest.mark.parametrize(
    "text",
    ["482913", "#482913", "ORD-482913", "ord482913", "ord-482913", "order 482913",
     "order no. 482913", "Order Number: 482913", "  482913 ", "nr 482913", "# 482913"],
)
def test_order_numbers_in_common_spellings_are_normalised(text):
    assert normalise_order_id(text) == "482913"


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "48291", "4829130", "48291a", "ORD-48291", "INV-482913",
     "482913; DROP TABLE orders", "' OR 1=1 --", "٤٨٢٩١٣", 482913, ["482913"]],
)
def test_anything_else_is_not_an_order_number(text):
    assert normalise_order_id(text) is None
