"""Order files in the ICM 2.0 shape for the intake tests, written here (not copied)."""

from __future__ import annotations

from pathlib import Path

NS = "http://www.intershop.com/xml/ns/intershop/order/2.0"


def b2b_order(document_no: str = "B2B-0007", *, status: str = "EXPORTED", extra: str = "") -> str:
    """A B2B order as older ICM exports write it: prefix `icm`, +02:00 offsets, MEMBER buyer,
    company name, taxation id and cost center, trailing blanks, an unknown element."""
    return f"""
  <icm:order id="{document_no}@Nordwerk-B2B">
    <icm:custom-attributes>
      <icm:simple-attribute name="ProjectCode">
        <icm:string>PRJ-88 </icm:string>
      </icm:simple-attribute>
    </icm:custom-attributes>
    <icm:order-header>
      <icm:order-process-info>
        <icm:status>{status}</icm:status>
        <icm:creation-date>2024-05-02T10:30:00.250+02:00</icm:creation-date>
      </icm:order-process-info>
      <icm:order-info>
        <icm:document-no>{document_no}</icm:document-no>
        <icm:customer-order-id>PO-4711</icm:customer-order-id>
        <icm:store>Nordwerk-B2B</icm:store>
        <icm:locale>de_DE</icm:locale>
        <icm:currency>EUR</icm:currency>
        <icm:cost-center>CC-42 </icm:cost-center>
      </icm:order-info>
      <icm:customer>
        <icm:customer-id>K-1001</icm:customer-id>
        <icm:customer-type-id>MEMBER</icm:customer-type-id>
        <icm:calculation-type>net</icm:calculation-type>
        <icm:company-name1>Nordwerk Maschinenbau GmbH</icm:company-name1>
        <icm:user-id>jana.kurz</icm:user-id>
        <icm:taxation-id>DE811907980</icm:taxation-id>
      </icm:customer>
      <icm:invoice-to-address>
        <icm:contact>
          <icm:first-name>Jana</icm:first-name>
          <icm:last-name>Kurz</icm:last-name>
          <icm:honorific>Dr.</icm:honorific>
          <icm:phone-mobile>+49 170 555 0101 </icm:phone-mobile>
          <icm:mailing-address>
            <icm:line1>Hafenstr. 3</icm:line1>
            <icm:city>Kiel</icm:city>
            <icm:country>Germany</icm:country>
            <icm:country-code>DE</icm:country-code>
            <icm:postal-code>24103</icm:postal-code>
          </icm:mailing-address>
          <icm:company-name1>Nordwerk Maschinenbau GmbH</icm:company-name1>
        </icm:contact>
      </icm:invoice-to-address>
      <icm:order-attributes><icm:anything>x</icm:anything></icm:order-attributes>
    </icm:order-header>
    <icm:order-items>
      <icm:order-item id="1">
        <icm:line-item>
          <icm:fulfillment-status>NEW</icm:fulfillment-status>
          <icm:quantity unit="pcs">4</icm:quantity>
          <icm:bucket-id>B-1</icm:bucket-id>
          <icm:hidden>false</icm:hidden>
          <icm:desired-delivery-date>2024-06-01T08:00:00-04:00</icm:desired-delivery-date>
        </icm:line-item>
        <icm:item-product>
          <icm:product id="BOLT-M8@Nordwerk-B2B">
            <icm:sku>BOLT-M8</icm:sku>
            <icm:name>Hex bolt M8, box of 100</icm:name>
            <icm:short-description>Zinc plated </icm:short-description>
          </icm:product>
        </icm:item-product>
        <icm:item-pricing>
          <icm:pricing>
            <icm:sales>
              <icm:single-base-price currency="EUR">12.5</icm:single-base-price>
              <icm:item-price currency="EUR">50.00</icm:item-price>
            </icm:sales>
            <icm:item-taxes>
              <icm:taxes>
                <icm:amount currency="EUR">8.55</icm:amount><icm:rate>0.19</icm:rate>
              </icm:taxes>
              <icm:tax-total currency="EUR">8.55</icm:tax-total>
            </icm:item-taxes>
            <icm:item-discounts>
              <icm:discount>
                <icm:amount currency="EUR">-5.00</icm:amount>
                <icm:code>BULK10</icm:code>
                <icm:description>Bulk discount</icm:description>
                <icm:promotion-id>Bulk10Percent</icm:promotion-id>
              </icm:discount>
            </icm:item-discounts>
          </icm:pricing>
        </icm:item-pricing>
        {extra}
      </icm:order-item>
    </icm:order-items>
    <icm:buckets>
      <icm:bucket id="B-1">
        <icm:shipping-method id="FREIGHT">
          <icm:address-id>D-1</icm:address-id>
          <icm:instructions>Ramp 2 </icm:instructions>
          <icm:sequence-number>20</icm:sequence-number>
          <icm:ship-time-max-days>4</icm:ship-time-max-days>
          <icm:ship-time-min-days>2</icm:ship-time-min-days>
          <icm:start-date>2024-05-02T10:30:00+02:00</icm:start-date>
        </icm:shipping-method>
        <icm:bucket-pricing>
          <icm:pricing>
            <icm:shipping><icm:cost currency="EUR">10.00</icm:cost></icm:shipping>
            <icm:shipping-taxes>
              <icm:taxes>
                <icm:amount currency="EUR">1.90</icm:amount><icm:rate>19.0</icm:rate>
              </icm:taxes>
              <icm:tax-total currency="EUR">1.90</icm:tax-total>
            </icm:shipping-taxes>
          </icm:pricing>
        </icm:bucket-pricing>
      </icm:bucket>
    </icm:buckets>
    <icm:destinations>
      <icm:destination id="D-1">
        <icm:ship-to-address>
          <icm:contact>
            <icm:last-name>Warenannahme</icm:last-name>
            <icm:mailing-address>
              <icm:line1>Hafenstr. 5</icm:line1>
              <icm:city>Kiel</icm:city>
              <icm:country>Germany</icm:country>
              <icm:postal-code>24103</icm:postal-code>
            </icm:mailing-address>
          </icm:contact>
        </icm:ship-to-address>
      </icm:destination>
    </icm:destinations>
    <icm:payment>
      <icm:standard-payment-transaction id="INV-7">
        <icm:amount currency="EUR">65.45</icm:amount>
        <icm:cost currency="EUR">0.00</icm:cost>
        <icm:service-id>ISH_INVOICE</icm:service-id>
        <icm:status>AUTHORIZED</icm:status>
      </icm:standard-payment-transaction>
    </icm:payment>
    <icm:order-summary>
      <icm:order-pricing>
        <icm:pricing>
          <icm:order-taxes>
            <icm:tax-total>
              <icm:tax-group-name>19.0</icm:tax-group-name>
              <icm:tax-total currency="EUR">10.45</icm:tax-total>
            </icm:tax-total>
          </icm:order-taxes>
          <icm:totals>
            <icm:item-total currency="EUR">50.00</icm:item-total>
            <icm:item-discounts currency="EUR">-5.00</icm:item-discounts>
            <icm:shipping-costs currency="EUR">10.00</icm:shipping-costs>
            <icm:payment-costs currency="EUR">0.00</icm:payment-costs>
            <icm:tax currency="EUR">10.45</icm:tax>
            <icm:duties currency="EUR">0.00</icm:duties>
            <icm:order-net-total currency="EUR">55.00</icm:order-net-total>
            <icm:order-gross-total currency="EUR">65.45</icm:order-gross-total>
          </icm:totals>
        </icm:pricing>
      </icm:order-pricing>
    </icm:order-summary>
  </icm:order>"""


def orders_file(path: Path, *orders: str, root: str = "orders") -> Path:
    """``orders`` in a file with root ``orders`` (or the single order as the root)."""
    if root == "orders":
        body = f'<icm:orders xmlns:icm="{NS}">{"".join(orders)}\n</icm:orders>\n'
    else:
        (order,) = orders
        body = order.replace("<icm:order ", f'<icm:order xmlns:icm="{NS}" ', 1)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}', encoding="utf-8")
    return path
