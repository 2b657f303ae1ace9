//! One test per XSD construct the model must represent.

use crate::contract::testutil::{schema_errors, schema_only};
use crate::qname::QName;
use crate::schema::*;

fn t(local: &str) -> QName {
    QName::new("urn:t", local)
}

fn element<'a>(s: &'a Schema, local: &str) -> &'a ElementDecl {
    s.element(
        s.global_element(&t(local))
            .unwrap_or_else(|| panic!("no element {local}")),
    )
}

fn complex(s: &Schema, id: TypeId) -> &ComplexType {
    s.ty(id).as_complex().expect("complex type")
}

fn simple(s: &Schema, id: TypeId) -> &SimpleType {
    s.ty(id).as_simple().expect("simple type")
}

/// The element particles of a content model, flattened in order.
fn flat_elements<'a>(s: &'a Schema, c: &Content) -> Vec<(&'a ElementDecl, u32, MaxOccurs)> {
    fn walk<'a>(s: &'a Schema, p: &Particle, out: &mut Vec<(&'a ElementDecl, u32, MaxOccurs)>) {
        match &p.term {
            Term::Element(e) => out.push((s.element(*e), p.min, p.max)),
            Term::Group(g) => g.particles.iter().for_each(|c| walk(s, c, out)),
            Term::Any(_) => {}
        }
    }
    let mut out = Vec::new();
    if let Content::Elements(p) = c {
        walk(s, p, &mut out);
    }
    out
}

fn top_group(c: &Content) -> &ModelGroup {
    match c {
        Content::Elements(Particle {
            term: Term::Group(g),
            ..
        }) => g,
        other => panic!("expected a model group, got {other:?}"),
    }
}

#[test]
fn global_and_local_elements_named_and_anonymous_types() {
    let c = schema_only(
        r###"<xs:complexType name="Named"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence></xs:complexType>
           <xs:element name="UsesNamed" type="tns:Named"/>
           <xs:element name="Anon"><xs:complexType><xs:sequence>
             <xs:element name="inner"><xs:simpleType><xs:restriction base="xs:int"/></xs:simpleType></xs:element>
             <xs:element ref="tns:UsesNamed"/>
           </xs:sequence></xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let used = element(s, "UsesNamed");
    assert_eq!(s.ty(used.type_id).name(), Some(&t("Named")));
    assert!(used.global);
    let anon = element(s, "Anon");
    assert!(s.ty(anon.type_id).name().is_none());
    let fields = flat_elements(s, &complex(s, anon.type_id).content);
    assert_eq!(fields[0].0.name, t("inner"));
    assert!(!fields[0].0.global);
    assert_eq!(
        simple(s, fields[0].0.type_id).variety,
        Variety::Atomic(Builtin::Int)
    );
    // A reference points at the global declaration itself.
    assert_eq!(fields[1].0.name, t("UsesNamed"));
    assert!(fields[1].0.global);
}

#[test]
fn element_and_attribute_form_defaults() {
    let text = r###"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
      <types>
        <xs:schema targetNamespace="urn:u" attributeFormDefault="qualified">
          <xs:element name="E"><xs:complexType>
            <xs:sequence>
              <xs:element name="unq" type="xs:string"/>
              <xs:element name="q" type="xs:string" form="qualified"/>
            </xs:sequence>
            <xs:attribute name="qa" type="xs:string"/>
            <xs:attribute name="ua" type="xs:string" form="unqualified"/>
          </xs:complexType></xs:element>
        </xs:schema>
      </types></definitions>"###;
    let c = crate::contract::testutil::load(&[("c.wsdl", text)]).unwrap();
    let s = &c.schema;
    let e = s.element(s.global_element(&QName::new("urn:u", "E")).unwrap());
    let ct = complex(s, e.type_id);
    let fields = flat_elements(s, &ct.content);
    assert_eq!(fields[0].0.name, QName::new("", "unq"));
    assert_eq!(fields[1].0.name, QName::new("urn:u", "q"));
    assert_eq!(ct.attributes[0].name, QName::new("urn:u", "qa"));
    assert_eq!(ct.attributes[1].name, QName::new("", "ua"));
    assert!(s.namespaces["urn:u"].attribute_form_qualified);
    assert!(!s.namespaces["urn:u"].element_form_qualified);
}

#[test]
fn compositors_with_occurrences_at_every_level() {
    let c = schema_only(
        r###"<xs:element name="E"><xs:complexType>
             <xs:sequence minOccurs="0" maxOccurs="3">
               <xs:choice maxOccurs="unbounded">
                 <xs:element name="a" type="xs:string" minOccurs="2" maxOccurs="5"/>
                 <xs:element name="b" type="xs:string"/>
               </xs:choice>
               <xs:element name="c" type="xs:string" minOccurs="0"/>
             </xs:sequence></xs:complexType></xs:element>
           <xs:element name="F"><xs:complexType><xs:all>
               <xs:element name="x" type="xs:int"/><xs:element name="y" type="xs:int" minOccurs="0"/>
           </xs:all></xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let ct = complex(s, element(s, "E").type_id);
    let Content::Elements(outer) = &ct.content else {
        panic!()
    };
    assert_eq!((outer.min, outer.max), (0, MaxOccurs::Bounded(3)));
    let Term::Group(seq) = &outer.term else {
        panic!()
    };
    assert_eq!(seq.compositor, Compositor::Sequence);
    let choice = &seq.particles[0];
    assert_eq!(choice.max, MaxOccurs::Unbounded);
    let Term::Group(ch) = &choice.term else {
        panic!()
    };
    assert_eq!(ch.compositor, Compositor::Choice);
    assert_eq!(
        (ch.particles[0].min, ch.particles[0].max),
        (2, MaxOccurs::Bounded(5))
    );
    assert_eq!(seq.particles[1].min, 0);
    let all = top_group(&complex(s, element(s, "F").type_id).content);
    assert_eq!(all.compositor, Compositor::All);
    assert_eq!(all.particles.len(), 2);
}

#[test]
fn named_groups_and_attribute_groups() {
    let c = schema_only(
        r###"<xs:group name="Addr"><xs:sequence>
             <xs:element name="street" type="xs:string"/><xs:element name="city" type="xs:string"/>
           </xs:sequence></xs:group>
           <xs:attributeGroup name="Inner"><xs:attribute name="i" type="xs:int"/></xs:attributeGroup>
           <xs:attributeGroup name="Outer">
             <xs:attribute name="o" type="xs:string" use="required"/>
             <xs:attributeGroup ref="tns:Inner"/>
             <xs:anyAttribute namespace="##other" processContents="skip"/>
           </xs:attributeGroup>
           <xs:element name="E"><xs:complexType>
             <xs:sequence><xs:group ref="tns:Addr" maxOccurs="unbounded"/></xs:sequence>
             <xs:attributeGroup ref="tns:Outer"/>
           </xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let ct = complex(s, element(s, "E").type_id);
    let seq = top_group(&ct.content);
    let g = &seq.particles[0];
    assert_eq!(g.max, MaxOccurs::Unbounded);
    let Term::Group(addr) = &g.term else { panic!() };
    assert_eq!(addr.name, Some(t("Addr")));
    assert_eq!(addr.particles.len(), 2);
    let names: Vec<_> = ct
        .attributes
        .iter()
        .map(|a| a.name.local.as_str())
        .collect();
    assert_eq!(names, ["o", "i"]);
    assert!(ct.attributes[0].required);
    let any = ct.any_attribute.as_ref().unwrap();
    assert_eq!(any.process, ProcessContents::Skip);
    assert!(any.namespaces.allows("urn:x") && !any.namespaces.allows("urn:t"));
}

#[test]
fn attribute_use_default_fixed_and_global_refs() {
    let c = schema_only(
        r###"<xs:attribute name="version" type="xs:string" fixed="2"/>
           <xs:element name="E"><xs:complexType>
             <xs:attribute ref="tns:version" use="required"/>
             <xs:attribute name="lang" type="xs:language" default="en"/>
             <xs:attribute name="gone" type="xs:string" use="prohibited"/>
           </xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let ct = complex(s, element(s, "E").type_id);
    assert_eq!(ct.attributes.len(), 2, "prohibited attributes are dropped");
    let v = &ct.attributes[0];
    assert_eq!(v.name, t("version"));
    assert!(v.required);
    assert_eq!(v.fixed.as_deref(), Some("2"));
    assert_eq!(ct.attributes[1].default.as_deref(), Some("en"));
    assert_eq!(ct.attributes[1].type_id, s.builtin(Builtin::Language));
    assert!(matches!(ct.content, Content::Empty));
}

#[test]
fn complex_content_extension_puts_base_fields_first() {
    let c = schema_only(
        r###"<xs:complexType name="Base" abstract="true"><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence>
             <xs:attribute name="b" type="xs:string"/></xs:complexType>
           <xs:complexType name="Mid"><xs:complexContent><xs:extension base="tns:Base">
             <xs:sequence><xs:element name="mid" type="xs:int"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
           <xs:complexType name="Leaf"><xs:complexContent><xs:extension base="tns:Mid">
             <xs:sequence><xs:element name="leaf" type="xs:int"/></xs:sequence>
             <xs:attribute name="l" type="xs:string"/></xs:extension></xs:complexContent></xs:complexType>"###,
    );
    let s = &c.schema;
    let leaf = s.global_type(&t("Leaf")).unwrap();
    let base = s.global_type(&t("Base")).unwrap();
    let mid = s.global_type(&t("Mid")).unwrap();
    let ct = complex(s, leaf);
    let names: Vec<_> = flat_elements(s, &ct.content)
        .iter()
        .map(|(e, ..)| e.name.local.clone())
        .collect();
    assert_eq!(names, ["id", "mid", "leaf"]);
    let attrs: Vec<_> = ct
        .attributes
        .iter()
        .map(|a| a.name.local.as_str())
        .collect();
    assert_eq!(attrs, ["b", "l"]);
    assert_eq!(ct.derivation, Some(Derivation::Extension));
    assert!(complex(s, base).is_abstract);
    assert!(s.derives_from(leaf, base));
    // xsi:type candidates: every named type derived from Base.
    let derived = &s.derived[&base];
    assert!(derived.contains(&mid) && derived.contains(&leaf));
}

#[test]
fn complex_content_restriction_restates_content_and_prohibits() {
    let c = schema_only(
        r###"<xs:complexType name="Base"><xs:sequence>
             <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string" minOccurs="0"/></xs:sequence>
             <xs:attribute name="x" type="xs:string"/><xs:attribute name="y" type="xs:string"/></xs:complexType>
           <xs:complexType name="Narrow"><xs:complexContent><xs:restriction base="tns:Base">
             <xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>
             <xs:attribute name="y" use="prohibited"/></xs:restriction></xs:complexContent></xs:complexType>"###,
    );
    let s = &c.schema;
    let ct = complex(s, s.global_type(&t("Narrow")).unwrap());
    assert_eq!(flat_elements(s, &ct.content).len(), 1);
    let attrs: Vec<_> = ct
        .attributes
        .iter()
        .map(|a| a.name.local.as_str())
        .collect();
    assert_eq!(attrs, ["x"]);
    assert_eq!(ct.derivation, Some(Derivation::Restriction));
}

#[test]
fn simple_content_extension_and_restriction() {
    let c = schema_only(
        r###"<xs:simpleType name="Dec"><xs:restriction base="xs:decimal"><xs:fractionDigits value="2"/></xs:restriction></xs:simpleType>
           <xs:complexType name="Amount"><xs:simpleContent><xs:extension base="tns:Dec">
             <xs:attribute name="currency" type="xs:string" use="required"/></xs:extension></xs:simpleContent></xs:complexType>
           <xs:complexType name="SmallAmount"><xs:simpleContent><xs:restriction base="tns:Amount">
             <xs:maxInclusive value="100"/></xs:restriction></xs:simpleContent></xs:complexType>"###,
    );
    let s = &c.schema;
    let amount = complex(s, s.global_type(&t("Amount")).unwrap());
    let Content::Simple(v) = amount.content else {
        panic!()
    };
    assert_eq!(v, s.global_type(&t("Dec")).unwrap());
    assert_eq!(amount.attributes[0].name.local, "currency");
    let small = complex(s, s.global_type(&t("SmallAmount")).unwrap());
    let Content::Simple(v2) = small.content else {
        panic!()
    };
    let st = simple(s, v2);
    assert_eq!(st.variety, Variety::Atomic(Builtin::Decimal));
    assert_eq!(st.facets.fraction_digits, Some(2));
    assert_eq!(st.facets.max_inclusive.as_deref(), Some("100"));
    assert_eq!(small.attributes.len(), 1, "attributes are inherited");
}

#[test]
fn every_facet_is_read_and_merged_down_the_chain() {
    let c = schema_only(
        r###"<xs:simpleType name="Code"><xs:restriction base="xs:token">
             <xs:pattern value="[A-Z]+"/><xs:pattern value="[0-9]+"/>
             <xs:minLength value="2"/><xs:maxLength value="8"/><xs:whiteSpace value="collapse"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="ShortCode"><xs:restriction base="tns:Code">
             <xs:pattern value="[A-Z0-9]{3}"/><xs:length value="3"/>
             <xs:enumeration value="ABC"/><xs:enumeration value="123"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="Qty"><xs:restriction base="xs:decimal">
             <xs:totalDigits value="9"/><xs:fractionDigits value="3"/>
             <xs:minExclusive value="0"/><xs:maxInclusive value="1000000"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="Pct"><xs:restriction base="xs:int">
             <xs:minInclusive value="0"/><xs:maxExclusive value="101"/></xs:restriction></xs:simpleType>"###,
    );
    let s = &c.schema;
    let short = simple(s, s.global_type(&t("ShortCode")).unwrap());
    assert_eq!(short.variety, Variety::Atomic(Builtin::Token));
    let f = &short.facets;
    assert_eq!(
        f.patterns,
        vec![
            vec!["[A-Z]+".to_string(), "[0-9]+".to_string()],
            vec!["[A-Z0-9]{3}".to_string()]
        ]
    );
    assert_eq!(
        (f.length, f.min_length, f.max_length),
        (Some(3), Some(2), Some(8))
    );
    assert_eq!(
        f.enumeration.as_deref(),
        Some(&["ABC".to_string(), "123".to_string()][..])
    );
    assert_eq!(f.white_space, Some(WhiteSpace::Collapse));
    let qty = &simple(s, s.global_type(&t("Qty")).unwrap()).facets;
    assert_eq!((qty.total_digits, qty.fraction_digits), (Some(9), Some(3)));
    assert_eq!(qty.min_exclusive.as_deref(), Some("0"));
    assert_eq!(qty.max_inclusive.as_deref(), Some("1000000"));
    let pct = &simple(s, s.global_type(&t("Pct")).unwrap()).facets;
    assert_eq!(pct.min_inclusive.as_deref(), Some("0"));
    assert_eq!(pct.max_exclusive.as_deref(), Some("101"));
}

#[test]
fn list_and_union() {
    let c = schema_only(
        r###"<xs:simpleType name="Ints"><xs:list itemType="xs:int"/></xs:simpleType>
           <xs:simpleType name="Anon"><xs:list><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="a"/></xs:restriction></xs:simpleType></xs:list></xs:simpleType>
           <xs:simpleType name="DateOrAsap"><xs:union memberTypes="xs:date">
             <xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="ASAP"/></xs:restriction></xs:simpleType>
           </xs:union></xs:simpleType>
           <xs:simpleType name="ShortInts"><xs:restriction base="tns:Ints"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>"###,
    );
    let s = &c.schema;
    let ints = simple(s, s.global_type(&t("Ints")).unwrap());
    assert_eq!(ints.variety, Variety::List(s.builtin(Builtin::Int)));
    let Variety::List(item) = simple(s, s.global_type(&t("Anon")).unwrap()).variety else {
        panic!()
    };
    assert!(simple(s, item).facets.enumeration.is_some());
    let Variety::Union(members) = &simple(s, s.global_type(&t("DateOrAsap")).unwrap()).variety
    else {
        panic!()
    };
    assert_eq!(members.len(), 2);
    assert_eq!(members[0], s.builtin(Builtin::Date));
    let short = simple(s, s.global_type(&t("ShortInts")).unwrap());
    assert_eq!(
        short.variety,
        Variety::List(s.builtin(Builtin::Int)),
        "restricting a list keeps it a list"
    );
    assert_eq!(short.facets.max_length, Some(3));
    // The built-in list types are lists too.
    assert_eq!(
        simple(s, s.builtin(Builtin::NmTokens)).variety,
        Variety::List(s.builtin(Builtin::NmToken))
    );
}

#[test]
fn nillable_default_fixed_abstract() {
    let c = schema_only(
        r###"<xs:element name="N" type="xs:string" nillable="true"/>
           <xs:element name="D" type="xs:int" default="7"/>
           <xs:element name="F" type="xs:string" fixed="EUR"/>
           <xs:element name="A" type="xs:string" abstract="true"/>"###,
    );
    let s = &c.schema;
    assert!(element(s, "N").nillable);
    assert_eq!(element(s, "D").default.as_deref(), Some("7"));
    assert_eq!(element(s, "F").fixed.as_deref(), Some("EUR"));
    assert!(element(s, "A").is_abstract);
}

#[test]
fn substitution_groups_are_transitive_and_inherit_the_head_type() {
    let c = schema_only(
        r###"<xs:complexType name="Ev"><xs:sequence><xs:element name="at" type="xs:dateTime"/></xs:sequence></xs:complexType>
           <xs:element name="Event" type="tns:Ev" abstract="true"/>
           <xs:element name="Created" substitutionGroup="tns:Event"/>
           <xs:element name="Special" substitutionGroup="tns:Created"/>
           <xs:element name="Holder"><xs:complexType><xs:sequence><xs:element ref="tns:Event" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let head = s.global_element(&t("Event")).unwrap();
    let created = s.global_element(&t("Created")).unwrap();
    let special = s.global_element(&t("Special")).unwrap();
    let subs = &s.substitutes[&head];
    assert!(subs.contains(&created) && subs.contains(&special));
    assert_eq!(s.substitutes[&created], vec![special]);
    assert_eq!(s.element(special).type_id, s.element(head).type_id);
    assert_eq!(s.element(special).substitution_group, Some(created));
}

#[test]
fn wildcards_keep_namespace_and_process_contents() {
    let c = schema_only(
        r###"<xs:element name="E"><xs:complexType><xs:sequence>
             <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
             <xs:any namespace="##targetNamespace ##local urn:x" processContents="skip"/>
             <xs:any/>
           </xs:sequence></xs:complexType></xs:element>"###,
    );
    let s = &c.schema;
    let g = top_group(&complex(s, element(s, "E").type_id).content);
    let w: Vec<&Wildcard> = g
        .particles
        .iter()
        .map(|p| match &p.term {
            Term::Any(w) => w,
            _ => panic!(),
        })
        .collect();
    assert_eq!(w[0].process, ProcessContents::Lax);
    assert_eq!(w[0].namespaces, NamespaceConstraint::Other("urn:t".into()));
    assert_eq!(w[1].process, ProcessContents::Skip);
    assert_eq!(
        w[1].namespaces,
        NamespaceConstraint::List(vec!["urn:t".into(), "".into(), "urn:x".into()])
    );
    assert_eq!(w[2].process, ProcessContents::Strict);
    assert_eq!(w[2].namespaces, NamespaceConstraint::Any);
}

#[test]
fn mixed_content_and_recursive_types() {
    let c = schema_only(
        r###"<xs:complexType name="Node" mixed="true"><xs:sequence>
             <xs:element name="child" type="tns:Node" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
           <xs:element name="Tree" type="tns:Node"/>"###,
    );
    let s = &c.schema;
    let node = s.global_type(&t("Node")).unwrap();
    let ct = complex(s, node);
    assert!(ct.mixed);
    assert_eq!(flat_elements(s, &ct.content)[0].0.type_id, node);
}

#[test]
fn builtin_types_resolve_including_1999_aliases() {
    let c = schema_only(
        r###"<xs:element name="E" type="xs:unsignedByte"/>
           <xs:element name="Old" type="old:timeInstant" xmlns:old="http://www.w3.org/1999/XMLSchema"/>"###,
    );
    let s = &c.schema;
    assert_eq!(element(s, "E").type_id, s.builtin(Builtin::UnsignedByte));
    assert_eq!(element(s, "Old").type_id, s.builtin(Builtin::DateTime));
}

#[test]
fn unresolved_type_names_file_line_column_and_qname() {
    let err = schema_errors(r###"<xs:element name="E" type="tns:Missing"/>"###);
    assert!(
        err.contains("c.wsdl:7:1: unresolved type reference `{urn:t}Missing`"),
        "{err}"
    );
}

#[test]
fn all_errors_are_reported_together() {
    let err = schema_errors(
        r###"<xs:element name="A" type="tns:Nope1"/>
<xs:element name="B"><xs:complexType><xs:sequence><xs:element ref="tns:Nope2"/><xs:group ref="tns:Nope3"/></xs:sequence>
<xs:attributeGroup ref="tns:Nope4"/><xs:attribute ref="tns:Nope5"/></xs:complexType></xs:element>"###,
    );
    for n in 1..=5 {
        assert!(
            err.contains(&format!("{{urn:t}}Nope{n}")),
            "missing Nope{n} in {err}"
        );
    }
    assert!(err.contains("unresolved element reference"), "{err}");
    assert!(err.contains("unresolved group reference"), "{err}");
    assert!(
        err.contains("unresolved attribute group reference"),
        "{err}"
    );
}

#[test]
fn circular_definitions_are_errors_not_hangs() {
    let err = schema_errors(
        r###"<xs:complexType name="A"><xs:complexContent><xs:extension base="tns:B"/></xs:complexContent></xs:complexType>
           <xs:complexType name="B"><xs:complexContent><xs:extension base="tns:A"/></xs:complexContent></xs:complexType>"###,
    );
    assert!(err.contains("circular type definition"), "{err}");
    let err = schema_errors(
        r###"<xs:group name="G"><xs:sequence><xs:group ref="tns:H"/></xs:sequence></xs:group>
           <xs:group name="H"><xs:sequence><xs:group ref="tns:G"/></xs:sequence></xs:group>"###,
    );
    assert!(err.contains("circular group definition"), "{err}");
    let err = schema_errors(
        r###"<xs:attributeGroup name="G"><xs:attributeGroup ref="tns:G"/></xs:attributeGroup>"###,
    );
    assert!(err.contains("circular attribute group definition"), "{err}");
}

#[test]
fn duplicates_and_bad_occurrences_and_prefixes() {
    let err = schema_errors(
        r###"<xs:element name="E" type="xs:string"/>
<xs:element name="E" type="xs:int"/>"###,
    );
    assert!(
        err.contains("duplicate element `{urn:t}E` (first defined at"),
        "{err}"
    );
    let err = schema_errors(
        r###"<xs:element name="E"><xs:complexType><xs:sequence><xs:element name="a" minOccurs="3" maxOccurs="2"/></xs:sequence></xs:complexType></xs:element>"###,
    );
    assert!(
        err.contains("maxOccurs 2 is less than minOccurs 3"),
        "{err}"
    );
    let err = schema_errors(r###"<xs:element name="E" type="nope:T"/>"###);
    assert!(
        err.contains("namespace prefix `nope` is not declared"),
        "{err}"
    );
}

#[test]
fn soap_encoded_arrays_know_their_item_type() {
    let text = r###"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
      xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
      xmlns:tns="urn:t" targetNamespace="urn:t">
      <types><xs:schema targetNamespace="urn:t">
        <xs:import namespace="http://schemas.xmlsoap.org/soap/encoding/"/>
        <xs:complexType name="Item"><xs:all><xs:element name="code" type="xs:string"/></xs:all></xs:complexType>
        <xs:complexType name="ItemArray"><xs:complexContent><xs:restriction base="soapenc:Array">
          <xs:attribute ref="soapenc:arrayType" wsdl:arrayType="tns:Item[]"/></xs:restriction></xs:complexContent></xs:complexType>
        <xs:complexType name="Matrix"><xs:complexContent><xs:restriction base="soapenc:Array">
          <xs:attribute ref="soapenc:arrayType" wsdl:arrayType="xs:int[,][]"/></xs:restriction></xs:complexContent></xs:complexType>
        <xs:complexType name="Strings"><xs:complexContent><xs:restriction base="soapenc:Array">
          <xs:sequence><xs:element name="s" type="xs:string" maxOccurs="unbounded"/></xs:sequence></xs:restriction></xs:complexContent></xs:complexType>
      </xs:schema></types></definitions>"###;
    let c = crate::contract::testutil::load(&[("c.wsdl", text)]).unwrap();
    let s = &c.schema;
    let arr = complex(s, s.global_type(&t("ItemArray")).unwrap());
    let a = arr.soap_array.as_ref().unwrap();
    assert_eq!(a.item_type, s.global_type(&t("Item")).unwrap());
    assert_eq!(a.ranks, vec![1]);
    let m = complex(s, s.global_type(&t("Matrix")).unwrap());
    assert_eq!(m.soap_array.as_ref().unwrap().ranks, vec![2, 1]);
    let st = complex(s, s.global_type(&t("Strings")).unwrap());
    assert_eq!(
        st.soap_array.as_ref().unwrap().item_type,
        s.builtin(Builtin::String)
    );
}

#[test]
fn long_derivation_and_group_chains_hit_a_limit_not_the_stack() {
    // Each type extends the next one, defined later: building the first
    // needs the whole chain at once.
    let chain = |n: usize| {
        let mut body = String::new();
        for i in 0..n {
            body.push_str(&format!(
                r#"<xs:complexType name="T{i}"><xs:complexContent><xs:extension base="tns:T{}"><xs:sequence><xs:element name="f{i}" type="xs:int"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>"#,
                i + 1
            ));
        }
        body.push_str(&format!(r#"<xs:complexType name="T{n}"/>"#));
        body
    };
    let ok = schema_only(&chain(100));
    let t0 = ok.schema.global_type(&t("T0")).unwrap();
    assert_eq!(
        flat_elements(&ok.schema, &complex(&ok.schema, t0).content).len(),
        100
    );
    let err = schema_errors(&chain(5000));
    assert!(
        err.contains("nested deeper than 128"),
        "{}",
        &err[..err.len().min(500)]
    );

    let mut groups = String::new();
    for i in 0..5000 {
        groups.push_str(&format!(
            r#"<xs:group name="G{i}"><xs:sequence><xs:group ref="tns:G{}"/></xs:sequence></xs:group>"#,
            i + 1
        ));
    }
    groups.push_str(r#"<xs:group name="G5000"><xs:sequence/></xs:group>"#);
    assert!(schema_errors(&groups).contains("nested deeper than 128"));
}

#[test]
fn deeply_nested_anonymous_types_load_within_the_depth_limit() {
    // 120 nested anonymous complex types: 240 XML levels inside the schema,
    // near the reader's depth limit of 256, on a test thread's small stack.
    let mut body = String::from(r#"<xs:element name="Deep">"#);
    for i in 0..120 {
        body.push_str(&format!(
            r#"<xs:complexType><xs:sequence><xs:element name="e{i}">"#
        ));
    }
    body.push_str(r#"<xs:simpleType><xs:restriction base="xs:string"/></xs:simpleType>"#);
    for _ in 0..120 {
        body.push_str("</xs:element></xs:sequence></xs:complexType>");
    }
    body.push_str("</xs:element>");
    // The WSDL wrapper adds 4 levels; 4 + 1 + 120 * 3 exceeds 256, so the
    // reader refuses it with a limit error.
    assert!(schema_errors(&body).contains("nesting deeper than 256 levels"));
    let mut body = String::from(r#"<xs:element name="Deep">"#);
    for i in 0..80 {
        body.push_str(&format!(
            r#"<xs:complexType><xs:sequence><xs:element name="e{i}">"#
        ));
    }
    for _ in 0..80 {
        body.push_str("</xs:element></xs:sequence></xs:complexType>");
    }
    body.push_str("</xs:element>");
    let c = schema_only(&body);
    assert!(c.schema.elements.len() > 80);
}

// ---- regressions from the contract-model review ---------------------------

#[test]
fn recursion_through_an_anonymous_extension_loads() {
    let c = schema_only(
        r#"<xs:complexType name="Node"><xs:sequence>
             <xs:element name="label" type="xs:string"/>
             <xs:element name="child" minOccurs="0"><xs:complexType><xs:complexContent>
               <xs:extension base="tns:Node"><xs:attribute name="pos" type="xs:int"/></xs:extension>
             </xs:complexContent></xs:complexType></xs:element>
           </xs:sequence></xs:complexType>"#,
    );
    let node = c.schema.global_type(&t("Node")).unwrap();
    let child = flat_elements(&c.schema, &complex(&c.schema, node).content)[1].0;
    let anon = complex(&c.schema, child.type_id);
    assert_eq!(anon.base, Some(node));
    assert_eq!(anon.attributes[0].name.local, "pos");
    assert_eq!(
        flat_elements(&c.schema, &anon.content).len(),
        2,
        "base content first"
    );
}

#[test]
fn group_recursion_through_an_element_loads() {
    let c = schema_only(
        r#"<xs:group name="Expr"><xs:choice>
             <xs:element name="lit" type="xs:int"/>
             <xs:element name="add"><xs:complexType><xs:sequence>
               <xs:group ref="tns:Expr" minOccurs="2" maxOccurs="2"/></xs:sequence></xs:complexType></xs:element>
           </xs:choice></xs:group>
           <xs:element name="E"><xs:complexType><xs:group ref="tns:Expr"/></xs:complexType></xs:element>"#,
    );
    assert!(c.schema.groups.contains_key(&t("Expr")));
}

#[test]
fn exponential_group_references_hit_the_expansion_limit() {
    let mut body = String::from(
        r#"<xs:group name="G0"><xs:sequence><xs:element name="e" type="xs:int"/></xs:sequence></xs:group>"#,
    );
    for i in 1..30 {
        body.push_str(&format!(
            r#"<xs:group name="G{i}"><xs:sequence><xs:group ref="tns:G{p}"/><xs:group ref="tns:G{p}"/></xs:sequence></xs:group>"#,
            p = i - 1
        ));
    }
    let start = std::time::Instant::now();
    let err = schema_errors(&body);
    assert!(
        err.contains("expand to more than"),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn base_first_derivation_chains_hit_the_expansion_limit() {
    let mut body = String::from(
        r#"<xs:complexType name="T0"><xs:sequence><xs:element name="f0" type="xs:int"/></xs:sequence></xs:complexType>"#,
    );
    for i in 1..2000 {
        body.push_str(&format!(
            r#"<xs:complexType name="T{i}"><xs:complexContent><xs:extension base="tns:T{p}"><xs:sequence><xs:element name="f{i}" type="xs:int"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>"#,
            p = i - 1
        ));
    }
    assert!(schema_errors(&body).contains("expand to more than"));
}

#[test]
fn substitution_chains_resolve_types_in_linear_time() {
    // Declared in reverse, untyped members: each takes the type at the chain's root.
    let mut body = String::new();
    for i in (1..400).rev() {
        body.push_str(&format!(
            r#"<xs:element name="e{i}" substitutionGroup="tns:e{}"/>"#,
            i - 1
        ));
    }
    body.push_str(r#"<xs:element name="e0" type="xs:int"/>"#);
    let c = schema_only(&body);
    let e0 = c.schema.global_element(&t("e0")).unwrap();
    let last = c.schema.global_element(&t("e399")).unwrap();
    assert_eq!(
        c.schema.element(last).type_id,
        c.schema.builtin(Builtin::Int)
    );
    assert_eq!(c.schema.substitutes[&e0].len(), 399);
}

#[test]
fn many_attributes_in_one_type_load_quickly() {
    let mut body = String::from(r#"<xs:element name="E"><xs:complexType>"#);
    for i in 0..20_000 {
        body.push_str(&format!(r#"<xs:attribute name="a{i}" type="xs:string"/>"#));
    }
    body.push_str("</xs:complexType></xs:element>");
    let start = std::time::Instant::now();
    let c = schema_only(&body);
    let e = c.schema.global_element(&t("E")).unwrap();
    assert_eq!(
        complex(&c.schema, c.schema.element(e).type_id)
            .attributes
            .len(),
        20_000
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}
