<?xml version="1.0" encoding="UTF-8"?>
<!--
  orderio sample stylesheet for an order-export-xslt service: turns the order export
  (ICM order format 2.0) into CSV with a header row and one line per line item.

  CSV as spreadsheets read it (RFC 4180): comma separated, CRLF line ends, every text field in
  double quotes with inner quotes doubled, numbers unquoted with a decimal point, UTF-8 with a
  byte order mark so that spreadsheet programs recognise the encoding.

  Use it with a service of kind order-export-xslt, file extension ".csv" and this file as its
  stylesheet path. Export stylesheets run without any file or network access.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:o="http://www.intershop.com/xml/ns/intershop/order/2.0"
                exclude-result-prefixes="o">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:variable name="EOL" select="'&#13;&#10;'"/>
  <xsl:variable name="QUOTE">"</xsl:variable>

  <xsl:template match="/">
    <xsl:text>&#xFEFF;document_no,store,order_status,created_at,currency,customer_id,customer_type,</xsl:text>
    <xsl:text>invoice_name,invoice_company,invoice_street,invoice_postal_code,invoice_city,invoice_country,</xsl:text>
    <xsl:text>position,sku,product_name,supplier,quantity,unit,line_status,</xsl:text>
    <xsl:text>unit_price_net,item_price_net,line_net_total,line_gross_total,tax_rate,tax_amount,discount,</xsl:text>
    <xsl:text>order_gross_total</xsl:text>
    <xsl:value-of select="$EOL"/>
    <xsl:apply-templates select="o:orders/o:order/o:order-items/o:order-item"/>
  </xsl:template>

  <xsl:template match="o:order-item">
    <xsl:variable name="order" select="../.."/>
    <xsl:variable name="header" select="$order/o:order-header"/>
    <xsl:variable name="invoice" select="$header/o:invoice-to-address/o:contact"/>
    <xsl:variable name="address" select="$invoice/o:mailing-address"/>
    <xsl:variable name="pricing" select="o:item-pricing/o:pricing"/>

    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:order-info/o:document-no"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:order-info/o:store"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:order-process-info/o:status"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:order-process-info/o:creation-date"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:order-info/o:currency"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:customer/o:customer-id"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$header/o:customer/o:customer-type-id"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="normalize-space(concat($invoice/o:first-name, ' ', $invoice/o:last-name))"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$invoice/o:company-name1"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$address/o:line1"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$address/o:postal-code"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$address/o:city"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="$address/o:country"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="@id"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="o:item-product/o:product/o:sku"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="o:item-product/o:product/o:name"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="o:item-product/o:product/o:custom-attributes/o:simple-attribute[@name='Supplier']/o:string"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="o:line-item/o:quantity"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="o:line-item/o:quantity/@unit"/></xsl:call-template>
    <xsl:call-template name="text"><xsl:with-param name="value" select="o:line-item/o:fulfillment-status"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="$pricing/o:sales/o:single-base-price"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="$pricing/o:sales/o:item-price"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="o:custom-attributes/o:money-attribute[@name='LineNetTotal']/o:money"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="o:custom-attributes/o:money-attribute[@name='LineGrossTotal']/o:money"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="$pricing/o:item-taxes/o:taxes/o:rate"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="$pricing/o:item-taxes/o:tax-total"/></xsl:call-template>
    <xsl:call-template name="number"><xsl:with-param name="value" select="$pricing/o:item-discounts/o:discount/o:amount"/></xsl:call-template>
    <xsl:call-template name="number">
      <xsl:with-param name="value" select="$order/o:order-summary/o:order-pricing/o:pricing/o:totals/o:order-gross-total"/>
      <xsl:with-param name="last" select="true()"/>
    </xsl:call-template>
  </xsl:template>

  <!-- A text field: quoted, inner quotes doubled. -->
  <xsl:template name="text">
    <xsl:param name="value"/>
    <xsl:param name="last" select="false()"/>
    <xsl:value-of select="$QUOTE"/>
    <xsl:call-template name="double-quotes">
      <xsl:with-param name="rest" select="string($value)"/>
    </xsl:call-template>
    <xsl:value-of select="$QUOTE"/>
    <xsl:call-template name="separator"><xsl:with-param name="last" select="$last"/></xsl:call-template>
  </xsl:template>

  <!-- A number field: as written in the export (decimal point), empty when absent. -->
  <xsl:template name="number">
    <xsl:param name="value"/>
    <xsl:param name="last" select="false()"/>
    <xsl:value-of select="normalize-space($value)"/>
    <xsl:call-template name="separator"><xsl:with-param name="last" select="$last"/></xsl:call-template>
  </xsl:template>

  <xsl:template name="separator">
    <xsl:param name="last"/>
    <xsl:choose>
      <xsl:when test="$last"><xsl:value-of select="$EOL"/></xsl:when>
      <xsl:otherwise><xsl:text>,</xsl:text></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="double-quotes">
    <xsl:param name="rest"/>
    <xsl:choose>
      <xsl:when test="contains($rest, $QUOTE)">
        <xsl:value-of select="substring-before($rest, $QUOTE)"/>
        <xsl:value-of select="concat($QUOTE, $QUOTE)"/>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="rest" select="substring-after($rest, $QUOTE)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
