#!/usr/bin/env python3
"""Writes the XML plugin's synthetic samples: NCA intelligence reports
(../nca_intelligence/*.xml, UTF-8; Q1 with the prefix ir:, Q2 in the default
namespace) and Immigration Enforcement encounters (../ie_encounters/*.xml,
Q3 in ISO-8859-1, Q4 in UTF-16 with a byte-order mark).

SYNTHETIC DATA ONLY: names are drawn from small lists, identifiers are made
up, nothing describes a real person or case. Deterministic (fixed seed):
running it again rewrites the same bytes.

    python3 pipelines/samples/nca_intelligence/make_xml_samples.py
"""
import os
import random

random.seed(20161231)
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(f'{OUT}/nca_intelligence', exist_ok=True)
os.makedirs(f'{OUT}/ie_encounters', exist_ok=True)

# ---------- NCA intelligence reports (synthetic) ----------
fam = ['HOXHA','BEGA','KRASNIQI','NGUYEN','TRAN','PHAM','POPESCU','IONESCU','KOWALSKI','NOWAK','OKAFOR','ADEYEMI','TESFAYE','HABTE','SMITH','JONES','BROWN','LE','DANG','MUSA']
giv = {'F':['Ana','Elira','Thi Lan','Mai','Ioana','Agnieszka','Chioma','Selam','Emma','Jade'],
       'M':['Arben','Dritan','Van Duc','Minh','Andrei','Piotr','Emeka','Yonas','Liam','Ryan']}
nats = ['Albanian','ALB','Albania','Viet Nam','Vietnamese','VNM','Romanian','Polish','Nigerian','Eritrean','British','GBR','UK']
cats = ['Sexual exploitation','Labour exploitation','Criminal exploitation (cannabis cultivation)','Criminal exploitation (county lines)','Domestic servitude']
places = [('Leeds','LS1 4AP'),('Bradford','BD1 1HY'),('Sheffield','S1 2HE'),('Manchester','M1 1AE'),('Birmingham','B5 4BU'),('Hull','HU1 2AA'),('Luton','LU1 2LJ'),('Southampton','SO14 7DW'),('Newcastle','NE1 7RU'),('Slough','SL1 1DQ')]
premises = ['a nail bar','a hand car wash','a terraced house','a takeaway','a cannabis grow in a rented flat','a hotel','a farm','a food processing unit']

def esc(s):
    return s.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;')

def subject(i, p, role_choices):
    g = random.choice('FM')
    s = {'id': f'S{i}', 'role': random.choice(role_choices), 'fam': random.choice(fam), 'giv': random.choice(giv[g]), 'g': g,
         'dob': None if random.random()<0.2 else f'{random.randint(1965,2002)}-{random.randint(1,12):02d}-{random.randint(1,28):02d}',
         'nat': random.choice(nats)}
    out = [f'      <{p}Subject id="{s["id"]}" role="{s["role"]}">']
    out.append(f'        <{p}FamilyName>{s["fam"]}</{p}FamilyName>')
    out.append(f'        <{p}GivenNames>{s["giv"]}</{p}GivenNames>')
    if s['dob']: out.append(f'        <{p}DateOfBirth>{s["dob"]}</{p}DateOfBirth>')
    out.append(f'        <{p}Gender>{s["g"]}</{p}Gender>')
    out.append(f'        <{p}Nationality>{s["nat"]}</{p}Nationality>')
    out.append(f'      </{p}Subject>')
    return out, s

counts = {'reports':0,'subjects':0}
multi = []
def nca_reports(quarter, start, n, p, locp):
    """The <Report> lines of one quarter's feed: element prefix p, location prefix locp."""
    lines = []
    for k in range(n):
        rid = f'NCA-IR-2016-{start+k:06d}'
        month = (quarter-1)*3 + random.randint(1,3)
        created = f'2016-{month:02d}-{random.randint(1,28):02d}'
        src = random.choice('123'); intel = random.choice('ABCDE'); hand = random.choice('PPPC')
        town, pc = random.choice(places)
        ocg = random.random() < 0.5
        nsub = random.choice([1,1,2,2,3,4])
        lines.append(f'  <{p}Report id="{rid}">')
        lines.append(f'    <{p}Created>{created}</{p}Created>')
        lines.append(f'    <{p}Classification>OFFICIAL-SENSITIVE</{p}Classification>')
        lines.append(f'    <{p}Grading><{p}Source>{src}</{p}Source><{p}Intelligence>{intel}</{p}Intelligence><{p}Handling>{hand}</{p}Handling></{p}Grading>')
        if hand == 'C':
            lines.append(f'    <{p}HandlingConditions>Not to be disseminated outside law enforcement without the originator&apos;s consent</{p}HandlingConditions>')
        lines.append(f'    <{p}Category>{esc(random.choice(cats))}</{p}Category>')
        lines.append(f'    <{p}OrganisedCrimeGroup flag="{"Y" if ocg else "N"}">{"OCG-%04d" % random.randint(1,120) if ocg else ""}</{p}OrganisedCrimeGroup>')
        lines.append(f'    <{locp}Location><{locp}Town>{town}</{locp}Town><{locp}Postcode>{pc}</{locp}Postcode></{locp}Location>')
        lines.append(f'    <{p}Subjects>')
        for i in range(1, nsub+1):
            sl, _ = subject(i, p, ['suspect','suspect','victim','associate'])
            lines += sl
        lines.append(f'    </{p}Subjects>')
        prem = random.choice(premises)
        lines.append(f'    <{p}Narrative><![CDATA[Source reports that {prem} in {town} is used to hold workers. Subjects are said to "manage" the workers & keep their passports. <Synthetic text.>]]></{p}Narrative>')
        lines.append(f'  </{p}Report>')
        counts['reports'] += 1; counts['subjects'] += nsub
        if nsub >= 3: multi.append((rid, nsub))
    return lines

# File 1: prefixed namespace ir:, locations in loc:
l1 = ['<?xml version="1.0" encoding="UTF-8"?>',
      '<!-- SYNTHETIC DATA for jstac tests: no real people, places or intelligence. -->',
      '<ir:IntelligenceFeed xmlns:ir="urn:jstac:synthetic:nca:intelligence:1" xmlns:loc="urn:jstac:synthetic:location:1" period="2016-Q1">']
l1 += nca_reports(1, 101, 12, 'ir:', 'loc:') + ['</ir:IntelligenceFeed>']
open(f'{OUT}/nca_intelligence/nca_intel_2016_q1.xml','w').write('\n'.join(l1)+'\n')

# File 2: the same namespace as the default, locations under another prefix.
l2 = ['<?xml version="1.0" encoding="UTF-8"?>',
      '<!-- SYNTHETIC DATA for jstac tests: no real people, places or intelligence. -->',
      '<IntelligenceFeed xmlns="urn:jstac:synthetic:nca:intelligence:1" xmlns:geo="urn:jstac:synthetic:location:1" period="2016-Q2">']
l2 += nca_reports(2, 201, 10, '', 'geo:') + ['</IntelligenceFeed>']
open(f'{OUT}/nca_intelligence/nca_intel_2016_q2.xml','w').write('\n'.join(l2)+'\n')
print('NCA', counts, multi)

# ---------- Immigration Enforcement encounters (synthetic) ----------
ie_people_latin = [('MÜLLER','Jürgen','M','DEU'),('GONZÁLEZ','José','M','ESP'),('NGUYEN','Van Duc','M','VNM'),('HOXHA','Elira','F','ALB'),
                   ('ØDEGÅRD','Åse','F','NOR'),('OKAFOR','Chioma','F','NGA'),('TESFAYE','Yonas','M','ERI'),('POPESCU','Ioana','F','ROU'),
                   ('LEFÈVRE','Françoise','F','FRA'),('KRASNIQI','Dritan','M','ALB'),('PHAM','Minh','M','VNM'),('HABTE','Selam','F','ERI'),
                   ('DA SILVA','João','M','BRA'),('BEGA','Arben','M','ALB')]
ie_people_utf16 = [('ĐẶNG','Thị Hoa','F','VNM'),('TRẦN','Văn Nam','M','VNM'),('ÇELA','Ëndrit','M','ALB'),('POPA','Ștefan','M','ROU'),
                   ('WIŚNIEWSKA','Małgorzata','F','POL'),('HOXHA','Elira','F','ALB'),('MOHAMMED','Abdi','M','SDN'),('NGUYỄN','Thị Mai','F','VNM')]
types = ['Illegal working visit','Visa overstay','Clandestine entrant','Reporting event','Encounter at address']
outcomes = ['Detained','Released on immigration bail','NRM referral made','Served notice of removal','No further action']
ie_places = [('Nail bar','B19 3NY'),('Car wash','LS9 8AA'),('Restaurant','E1 6AN'),('Residential address','M8 0AE'),('Farm','PE12 6EE'),('Factory unit','LE4 9HA'),('Port of Dover','CT17 9BU')]
horefs = {}
dobs = {}
def horef(person):
    if person not in horefs:
        horefs[person] = f'HO-P-{7700000 + len(horefs)*137 + 11:07d}'
    return horefs[person]

iec = {'enc':0,'links':0}
def ie_file(people, start, n, month_from, p, header, footer):
    lines = header[:]
    for k in range(n):
        ref = f'IE-ENC-2016-{start+k:05d}'
        d = f'{random.randint(1,28):02d}/{random.randint(month_from, month_from+2):02d}/2016'
        prem, pc = random.choice(ie_places)
        npeople = random.choice([1,1,2,3])
        chosen = random.sample(people, npeople)
        lines.append(f'  <{p}Encounter ref="{ref}">')
        lines.append(f'    <{p}EncounterDate>{d}</{p}EncounterDate>')
        lines.append(f'    <{p}EncounterType>{random.choice(types)}</{p}EncounterType>')
        lines.append(f'    <{p}Outcome>{random.choice(outcomes)}</{p}Outcome>')
        lines.append(f'    <{p}Location><{p}Premises>{prem}</{p}Premises><{p}Postcode>{pc}</{p}Postcode></{p}Location>')
        lines.append(f'    <{p}People>')
        for i, person in enumerate(chosen):
            fam_, giv_, sex, nat = person
            role = 'principal' if i == 0 else random.choice(['dependant','companion'])
            lines.append(f'      <{p}Person hoRef="{horef(person)}" role="{role}">')
            lines.append(f'        <{p}Surname>{fam_}</{p}Surname><{p}Forenames>{giv_}</{p}Forenames>')
            dob = dobs.setdefault(person, f'{random.randint(1,28):02d}/{random.randint(1,12):02d}/{random.randint(1970,2003)}')
            lines.append(f'        <{p}DateOfBirth>{dob}</{p}DateOfBirth><{p}Sex>{sex}</{p}Sex><{p}Nationality>{nat}</{p}Nationality>')
            if random.random() < 0.6:
                lines.append(f'        <{p}Document type="passport" country="{nat}">{nat[0]}{random.randint(10000000,99999999)}</{p}Document>')
            lines.append(f'      </{p}Person>')
        lines.append(f'    </{p}People>')
        lines.append(f'  </{p}Encounter>')
        iec['enc'] += 1; iec['links'] += npeople
    return lines + footer

h1 = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
      '<!-- SYNTHETIC DATA for jstac tests: no real people or encounters. -->',
      '<ie:EncounterReturn xmlns:ie="urn:jstac:synthetic:immigration-enforcement:encounters:2" period="2016-Q3">']
t1 = ie_file(ie_people_latin, 4501, 12, 7, 'ie:', h1, ['</ie:EncounterReturn>'])
open(f'{OUT}/ie_encounters/ie_encounters_2016_q3.xml','wb').write(('\n'.join(t1)+'\n').encode('iso-8859-1'))
h2 = ['<?xml version="1.0" encoding="UTF-16"?>',
      '<!-- SYNTHETIC DATA for jstac tests: no real people or encounters. -->',
      '<enc:EncounterReturn xmlns:enc="urn:jstac:synthetic:immigration-enforcement:encounters:2" period="2016-Q4">']
t2 = ie_file(ie_people_utf16, 4601, 8, 10, 'enc:', h2, ['</enc:EncounterReturn>'])
open(f'{OUT}/ie_encounters/ie_encounters_2016_q4.xml','wb').write(('\n'.join(t2)+'\n').encode('utf-16'))  # BOM + LE
print('IE', iec, 'persons', len(horefs))
