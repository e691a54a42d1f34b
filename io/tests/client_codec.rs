//! The tokio-util codecs: messages split anywhere decode the same, and the cost of a message
//! fed one byte at a time is linear (counted in bytes scanned and decode calls, not in time:
//! the timing is in `examples/client_bench.rs`).

#![cfg(feature = "codec")]

use bits_codec::Encode;
use bits_codec::bits::client::Response;
use bits_codec::bits::{Ack, Request, SessionId};
use bits_codec::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};
use bits_codec_io::codec::{BitsClientCodec, BitsServerCodec, CodecError, GraphClientCodec};
use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

/// A Fragment of 64 KiB in all: a head padded with headers to about 32 KiB, a 32 KiB body.
fn big_fragment() -> (Vec<u8>, usize) {
    let body = vec![7u8; 32 << 10];
    let id = SessionId::new("{6B29FC40-CA47-1067-B31D-00DD010662DA}").unwrap();
    let range = ContentRange::from_len(0, body.len() as u64, 1 << 20).unwrap();
    let mut r = Request::fragment(RequestTarget::new("/up/a.bin").unwrap(), id, range, &body[..]).unwrap();
    for i in 0..31 {
        let name = FieldName::new(format!("X-Pad-{i}")).unwrap();
        r.push_header(name, FieldValue::new("p".repeat(1000)).unwrap()).unwrap();
    }
    let wire = r.to_vec();
    let head = wire.len() - body.len();
    (wire, head)
}

#[test]
fn a_64_kib_request_fed_one_byte_at_a_time_is_scanned_once_and_decoded_twice() {
    let (wire, head) = big_fragment();
    assert!(wire.len() >= 64_000 && head > 30_000, "{} {head}", wire.len());
    let mut codec = BitsServerCodec::default();
    let mut buf = BytesMut::new();
    let mut got = None;
    for (i, &b) in wire.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        if let Some(r) = codec.decode(&mut buf).unwrap() {
            assert_eq!(i, wire.len() - 1, "decoded only once whole");
            got = Some(r);
        }
    }
    let got = got.unwrap();
    assert_eq!(got.body().len(), 32 << 10);
    assert_eq!(got.request().to_vec(), wire);
    // Linear: every head byte looked at once; `decode` once when the head was whole (the body
    // missing) and once when the body was.
    assert_eq!(codec.bytes_scanned(), head as u64);
    assert_eq!(codec.decode_calls(), 2);
    assert!(buf.is_empty());
}

#[test]
fn a_64_kib_graph_answer_fed_one_byte_at_a_time_costs_two_decodes() {
    let json = format!("{{\"nextExpectedRanges\":[\"0-\"],\"x\":\"{}\"}}", "y".repeat(64 << 10));
    let wire =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}", json.len());
    let mut codec = GraphClientCodec::default();
    let mut buf = BytesMut::new();
    let mut n = 0;
    for &b in wire.as_bytes() {
        buf.extend_from_slice(&[b]);
        if codec.decode(&mut buf).unwrap().is_some() {
            n += 1;
        }
    }
    assert_eq!(n, 1);
    assert_eq!(codec.decode_calls(), 2);
    assert_eq!(codec.bytes_scanned(), (wire.len() - json.len()) as u64);
}

#[test]
fn acks_split_anywhere_and_back_to_back_decode_in_order() {
    let acks: Vec<Vec<u8>> = (0..5u64).map(|i| Ack::fragment_received(Status::OK, i * 10).to_vec()).collect();
    let stream = acks.concat();
    for split in [1, 2, 7, 50, stream.len()] {
        let mut codec = BitsClientCodec::default();
        let mut buf = BytesMut::new();
        let mut seen = Vec::new();
        for piece in stream.chunks(split) {
            buf.extend_from_slice(piece);
            while let Some(Response::Ack(a)) = codec.decode(&mut buf).unwrap() {
                seen.push(a.received_content_range().unwrap());
            }
        }
        assert_eq!(seen, [0, 10, 20, 30, 40], "split {split}");
        assert_eq!(codec.bytes_scanned(), stream.len() as u64, "split {split}: each byte once");
    }
}

#[test]
fn an_unframed_answer_is_read_at_the_end_of_the_stream_and_garbage_is_an_error_with_an_offset() {
    let mut codec = BitsClientCodec::default();
    let mut buf = BytesMut::from(&b"HTTP/1.1 500 Internal Server Error\r\nBITS-Error-Code: 0x80200020\r\n\r\noops"[..]);
    assert!(codec.decode(&mut buf).unwrap().is_none(), "no Content-Length: it ends with the stream");
    let r = codec.decode_eof(&mut buf).unwrap().unwrap();
    assert!(r.is_unframed());
    assert_eq!(r.status().as_u16(), 500);

    let mut buf = BytesMut::from(&b"HTTP/1.1 2x0 OK\r\n\r\n"[..]);
    match codec.decode(&mut buf) {
        Err(CodecError::Decode(e)) => assert_eq!(e.invalid_message().unwrap().offset, 9),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_encoder_writes_what_the_decoder_reads() {
    let mut codec = BitsServerCodec::default();
    let mut buf = BytesMut::new();
    let ping = Request::ping(RequestTarget::new("/u").unwrap());
    codec.encode(ping.clone(), &mut buf).unwrap();
    assert_eq!(&buf[..], &ping.to_vec()[..]);
    let got = codec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(got.request().to_vec(), ping.to_vec());
}

#[test]
fn a_100_continue_before_the_ack_is_its_own_answer() {
    let mut codec = BitsClientCodec::default();
    let mut buf = BytesMut::from(&b"HTTP/1.1 100 Continue\r\n\r\n"[..]);
    buf.extend_from_slice(&Ack::fragment_received(Status::OK, 5).to_vec());
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap().status().as_u16(), 100);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap().status().as_u16(), 200);
}

#[test]
fn a_head_that_never_ends_is_an_error_once_past_the_head_limit_not_a_growing_buffer() {
    let mut codec = BitsClientCodec::default();
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\n"[..]);
    let line = b"X-Pad: pppppppppppppppppppppppppppppppppppppppppppppppppp\r\n";
    for _ in 0..2000 {
        buf.extend_from_slice(line);
        match codec.decode(&mut buf) {
            Ok(None) => {}
            Err(CodecError::Decode(e)) => {
                assert!(e.invalid_message().is_some(), "{e}");
                assert!(buf.len() <= 70 << 10, "{}", buf.len());
                return;
            }
            other => panic!("{other:?}"),
        }
    }
    panic!("no error after {} bytes", buf.len());
}
