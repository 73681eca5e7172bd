"""Write zuc/keystream.json: ZUC-128 keystream from the published test sets, and generated.

    python scripts/vectors/gen_zuc.py [--check]

Group 1 holds the ZUC-128 test sets (first keystream words). Groups 2-6 turn the 128-EEA3 test
sets into keystream vectors: key = CK, IV = the 16-byte ZUC IV that 128-EEA3 derives from
COUNT, BEARER and DIRECTION, keystream = IBS XOR OBS cut to the whole 32-bit words within
LENGTH. Every published value is reproduced by certkit.reference.zuc, and every EEA3 one also
by Tongsuo's ZUC-128-EEA3, before it is written; generated keystreams need those two to agree.
"""

from __future__ import annotations

import sys

import implementations as impl
import vectorgen
from vectorgen import VectorFile

from certkit.reference import zuc

SCRIPT = "gen_zuc.py"
ETSI_DOC3 = ("ETSI/SAGE Specification of the 3GPP Confidentiality and Integrity Algorithms "
             "128-EEA3 & 128-EIA3, Document 3: Implementor's Test Data")
REFERENCE = "certkit.reference.zuc"

# ZUC-128 test sets of Document 3, section 3 (also GM/T 0001.1-2012 Annex A): (set, key, IV,
# first keystream words). Set 4 also publishes z2000 = 7a574cdb, which a prefix cannot carry.
ZUC_SETS = [
    (1, "00" * 16, "00" * 16, "27bede74018082da"),
    (2, "ff" * 16, "ff" * 16, "0657cfa07096398b"),
    (3, "3d4c4be96a82fdaeb58f641db17b455b", "84319aa8de6915ca1f6bda6bfbd8c766",
     "14f1c2723279c419"),
    (4, "4d320bfad4c285bfd6b8bd00f39d8b41", "52959daba0bf176ece2dc315049eb574",
     "ed4400e70633e5c5"),
]

# 128-EEA3 test sets of Document 3, section 4: (set, key, COUNT, BEARER, DIRECTION, LENGTH,
# IBS, OBS), printed as whole 32-bit words. Sets 1, 2 and 5 are GmSSL's tests/zuctest.c
# (its sets 1-3, "GM/T 0001.2-2012"); sets 3 and 4 are srsRAN's NEA3 tests. srsRAN prints
# set 5 with byte 356 of both IBS and OBS differing from GmSSL (e8/5b for c8/7b): the same
# keystream either way.
EEA3_SETS = [
    (1, "173d14ba5003731d7a60049470f00a29", 0x66035492, 0x0F, 0, 193,
     "6cf65340735552ab0c9752fa6f9025fe0bd675d9005875b200000000",
     "a6c85fc66afb8533aafc2518dfe784940ee1e4b030238cc800000000"),
    (2, "e5bd3ea0eb55ade866c6ac58bd54302a", 0x56823, 0x18, 1, 800,
     "14a8ef693d678507bbe7270a7f67ff5006c3525b9807e467c4e56000ba338f5d429559036751822246c80d3b"
     "38f07f4be2d8ff5805f5132229bde93bbbdcaf382bf1ee972fbf9977bada8945847a2a6c9ad34a667554e04d"
     "1f7fa2c33241bd8f01ba220d",
     "131d43e0dea1be5c5a1bfd971d852cbf712d7b4f57961fea3208afa8bca433f456ad09c7417e58bc69cf8866"
     "d1353f74865e80781d202dfb3ecff7fcbc3b190fe82a204ed0e350fc0f6f2613b2f2bca6df5a473a57a4a00d"
     "985ebad880d6f23864a07b01"),
    (3, "d4552a8fd6e61cc81a2009141a29c10b", 0x76452EC1, 0x02, 1, 1570,
     "38f07f4be2d8ff5805f5132229bde93bbbdcaf382bf1ee972fbf9977bada8945847a2a6c9ad34a667554e04d"
     "1f7fa2c33241bd8f01ba220d3ca4ec41e074595f54ae2b454fd971432043601965cca85c2417ed6cbec3bada"
     "84fc8a579aea7837b0271177242a64dc0a9de71a8edee86ca3d47d033d6bf539804eca86c584a9052de46ad3"
     "fced65543bd90207372b27afb79234f5ff43ea870820e2c2b78a8aae61cce52a0515e348d196664a3456b182"
     "a07c406e4a20791271cfeda165d535ec5ea2d4df40",
     "8383b0229fcc0b9d2295ec41c977e9c2bb72e220378141f9c8318f3a270dfbcdee6411c2b3044f176dc6e00f"
     "8960f97afacd131ad6a3b49b16b7babcf2a509ebb16a75dcab14ff275dbeeea1a2b155f9d52c26452d0187c3"
     "10a4ee55beaa78ab4024615ba9f5d5adc7728f73560671f013e5e550085d3291df7d5fecedded559641b6c2f"
     "585233bc71e9602bd2305855bbd25ffa7f17ecbc042daae38c1f57ad8e8ebd37346f71befdbb7432e0e0bb2c"
     "fc09bcd96570cb0c0c39df5e29294e82703a637f80"),
    (4, "db84b4fbccda563b66227bfe456f0f77", 0xE4850FE1, 0x10, 1, 2798,
     "e539f3b8973240da03f2b8aa05ee0a00dbafc0e182055dfe3d7383d92cef40e92928605d52d05f4f9018a1f1"
     "89ae3997ce19155fb1221db8bb0951a853ad852ce16cff07382c93a157de00ddb125c7539fd85045e4ee07e0"
     "c43f9e9d6f414fc4d1c62917813f74c00fc83f3e2ed7c45ba5835264b43e0b20afda6b3053bfb6423b7fce25"
     "479ff5f139dd9b5b995558e2a56be18dd581cd017c735e6f0d0d97c4ddc1d1da70c6db4a12cc92778e2fbbd6"
     "f3ba52af91c9c6b64e8da4f7a2c266d02d001753df08960393c5d56888bf49eb5c16d9a80427a416bcb597df"
     "5bfe6f13890a07ee1340e6476b0d9aa8f822ab0fd1ab0d204f40b7ce6f2e136eb67485e507804d504588ad37"
     "ffd816568b2dc40311dfb654cdead47e2385c3436203dd836f9c64d97462ad5dfa63b5cfe08acb9532866f5c"
     "a787566fca93e6b1693ee15cf6f7a2d689d9741798dc1c238e1be650733b18fb34ff880e16bbd21b47ac",
     "4bbfa91ba25d47db9a9f190d962a19ab323926b351fbd39e351e05da8b8925e30b1cce0d1221101095815cc7"
     "cb6319509ec0d67940491987e13f0affac332aa6aa64626d3e9a1917519e0b97b655c6a165e44ca9feac0790"
     "d2a321ad3d86b79c5138739fa38d887ec7def449ce8abdd3e7f8dc4ca9e7b73314ad310f9025e61946b3a56d"
     "c649ec0da0d63943dff592cf962a7efb2c8524e35a2a6e7879d62604ef268695fa4003027e22e60830775220"
     "64bd4a5b906b5f531274f235ed506cff0154c754928a0ce5476f2cb1020a1222d32c1455ecaef1e368fb344d"
     "1735bfbedeb71d0a33a2a54b1da5a294e679144ddf11eb1a3de8cf0cc061917974f35c1d9ca0ac81807f8fcc"
     "e6199a6c7712da865021b04ce0439516f1a526ccda9fd9abbd53c3a684f9ae1e7ee6b11da138ea826c5516b5"
     "aadf1abbe36fa7fff92e3a1176064e8d95f2e4882b5500b93228b2194a475c1a27f63f9ffd264989a1bc"),
    (5, "e13fed21b46e4e7ec31253b2bb17b3e0", 0x2738CDAA, 0x1A, 0, 4019,
     "8d74e20d54894e06d3cb13cb3933065e8674be62adb1c72b3a646965ab63cb7b7854dfdc27e84929f49c64b8"
     "72a490b13f957b64827e71f41fbd4269a42c97f824537027f86e9f4ad82d1df451690fdd98b6d03f3a0ebe3a"
     "312d6b840ba5a1820b2a2c9709c090d245ed267cf845ae41fa975d3333ac3009fd40eba9eb5b885714b768b6"
     "97138baf21380eca49f644d48689e4215760b906739f0d2b3f091133ca15d981cbe401baf72d05ace05cccb2"
     "d297f4ef6a5f58d91246cfa77215b892ab441d5278452795ccb7f5d79057a1c4f77f80d46db2033cb79bedf8"
     "e60551ce10c667f62a97abafabbcd6772018df96a282ea737ce2cb331211f60d5354ce78f9918d9c206ca042"
     "c9b62387dd709604a50af16d8d35a8906be484cf2e74a9289940364353249b27b4c9ae29eddfc7da6418791a"
     "4e7baa0660fa64511f2d685cc3a5ff70e0d2b74292e3b8a0cd6b04b1c790b8ead2703708540dea2fc09c3da7"
     "70f65449c84d817a4f551055e19ab85018a0028b71a144d96791e9a3577933504eee0060340c69d274e1bf9d"
     "805dcbcc1a6faa976800b6ff2b671dc463652fa8a33ee50974c1c21be01eabb2167430269d72ee511c9dde30"
     "797c9a25d86ce74f5b961be5fdfb6807814039e7137636bd1d7fa9e09efd2007505906a5ac45dfdeed7757bb"
     "ee745749c29633350bee0ea6f409df4580160000",
     "94eaa4aa30a57137ddf09b97b25618a20a13e2f10fa5bf8161a879cc2ae797a6b4cf2d9df31debb9905ccfec"
     "97de605d21c61ab8531b7f3c9da5f03931f8a0642de48211f5f52ffea10f392a047669985da454a28f080961"
     "a6c2b62daa17f33cd60a4971f48d2d909394a55f48117ace43d708e6b77d3dc46d8bc017d4d1abb77b7428c0"
     "42b06f2f99d8d07c9879d99600127a31985f1099bbd7d6c1519ede8f5eeb4a610b349ac01ea2350691756bd1"
     "05c974a53eddb35d1d4100b012e522ab41f4c5f2fde76b59cb8b96d885cfe4080d1328a0d636cc0edc05800b"
     "76acca8fef672084d1f52a8bbd8e0993320992c7ffbae17c408441e0ee883fc8a8b05e22f5ff7f8d1b48c74c"
     "468c467a028f09fd7ce91109a570a2d5c4d5f4fa18c5dd3e4562afe24ef771901f59af645898acef088abae0"
     "7e92d52eb2de55045bb1b7c4164ef2d7a6cac15eeb926d7ea2f08b66e1f759f3aee44614725aa3c7482b3084"
     "4c143ff87b53f1e583c501257dddd096b81268daa303f17234c2333541f0bb8e190648c5807c866d71932286"
     "09adb948686f7de294a802cc38f7fe5208f5ea3196d0167b9bdd02f0d2a5221ca508f893af5c4b4bb9f4f520"
     "fd84289b3dbe7e61497a7e2a584037ea637b6981127174af57b471df4b2768fd79c1540fb3edf2ea22cb69be"
     "c0cf8d933d9c6fdd645e850591cca3d62c0cc000"),
]

# Generated EEA3-shaped inputs: (COUNT, BEARER, DIRECTION); the key comes from the seed.
GENERATED_LTE = [(0, 0, 0), (0xFFFFFFFF, 0x1F, 1), (0x12345678, 0x15, 0), (0x00000001, 0x01, 1)]
GENERATED_WORDS = 64


def keystream() -> VectorFile:
    agreed_by = [f"{REFERENCE} (certkit source tree)", impl.tongsuo_name()]
    out = VectorFile(
        "zuc/keystream.json", "ZUC-128", "keystream",
        "Published groups: test values transcribed from ETSI/SAGE 128-EEA3 & 128-EIA3 "
        "Document 3 (as in GM/T 0001); facts, not copyrightable expression. Group 'certkit "
        f"generated': {vectorgen.LICENCE_GENERATED}",
        generator=vectorgen.generator_info(SCRIPT, agreed_by),
        notes={"Eea3Iv": "The IV is the one 128-EEA3 builds: COUNT || BEARER << 3 | DIRECTION "
                         "<< 2 || 00 00 00, twice."},
    )
    for number, key_hex, iv_hex, words_hex in ZUC_SETS:
        via = ("GmSSL tests/zuctest.c and standards.md 6.10" if number < 4
               else "public ports of Document 3 (Cryptol and Rust test files)")
        out.group(ETSI_DOC3, f"Section 3.{number + 2}, ZUC test set {number}",
                  method=f"transcribed via {via}; {SCRIPT} checks it against {REFERENCE}")
        key, iv, published = (bytes.fromhex(v) for v in (key_hex, iv_hex, words_hex))
        vectorgen.expect(f"ZUC test set {number}", published,
                         {REFERENCE: zuc.keystream(key, iv, len(published) // 4)})
        out.add(f"ZUC-128 test set {number}: z1, z2", key=key, iv=iv, keystream=published)
    for number, key_hex, count, bearer, direction, length, ibs_hex, obs_hex in EEA3_SETS:
        key = bytes.fromhex(key_hex)
        words = length // 32
        ibs, obs = bytes.fromhex(ibs_hex)[: 4 * words], bytes.fromhex(obs_hex)[: 4 * words]
        published = bytes(a ^ b for a, b in zip(ibs, obs, strict=True))
        iv = zuc.eea3_iv(count, bearer, direction)
        out.group(ETSI_DOC3, f"Section 4.{number + 2}, 128-EEA3 test set {number}",
                  method=f"keystream = IBS XOR OBS, the {words} whole 32-bit words within "
                         f"LENGTH = {length} bits; IBS and OBS transcribed via GmSSL "
                         f"tests/zuctest.c and srsRAN's NEA3 tests; {SCRIPT} checks it against "
                         f"{REFERENCE} and Tongsuo's ZUC-128-EEA3")
        vectorgen.expect(f"EEA3 test set {number}", published, {
            REFERENCE: zuc.keystream(key, iv, words),
            impl.tongsuo_name(): impl.zuc_eea3_keystream_tongsuo(key, count, bearer, direction,
                                                                 4 * words),
        })
        out.add(f"128-EEA3 test set {number}: COUNT {count:#010x}, BEARER {bearer:#04x}, "
                f"DIRECTION {direction}, LENGTH {length}; {words} words", flags=["Eea3Iv"],
                key=key, iv=iv, keystream=published)
    out.group("certkit generated", f"{GENERATED_WORDS} keystream words under 128-EEA3 IVs",
              method=f"{SCRIPT}: key from SHAKE-256 of a label; keystream agreed by "
                     f"{' and '.join(agreed_by)}")
    for count, bearer, direction in GENERATED_LTE:
        key = vectorgen.seeded(f"zuc/keystream {count:08x} {bearer} {direction}", 16)
        iv = zuc.eea3_iv(count, bearer, direction)
        stream = vectorgen.agree(f"ZUC {count:#x}/{bearer}/{direction}", {
            REFERENCE: zuc.keystream(key, iv, GENERATED_WORDS),
            impl.tongsuo_name(): impl.zuc_eea3_keystream_tongsuo(key, count, bearer, direction,
                                                                 4 * GENERATED_WORDS),
        })
        out.add(f"COUNT {count:#010x}, BEARER {bearer:#04x}, DIRECTION {direction}; "
                f"{GENERATED_WORDS} words", flags=["Eea3Iv"], key=key, iv=iv, keystream=stream)
    return out


BUILDERS = {"zuc/keystream.json": keystream}

if __name__ == "__main__":
    sys.exit(vectorgen.main(BUILDERS, __doc__))
