//! A minimal Server-Sent Events parser: enough for the daemon's stream (`data:` lines,
//! comments as keep-alives), tolerant of CRLF line ends and of chunks that split anywhere.

/// Accumulates bytes and hands out the `data` of each complete event.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buffer: Vec<u8>,
}

impl SseParser {
    /// Feeds a chunk of the response body; returns the data of every event it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buffer
            .extend(chunk.iter().copied().filter(|b| *b != b'\r'));
        let mut events = Vec::new();
        while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&block);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(|value| value.strip_prefix(' ').unwrap_or(value))
                .collect();
            if !data.is_empty() {
                events.push(data.join("\n"));
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_joined() {
        let mut parser = SseParser::default();
        assert!(parser.push(b"data: {\"a\"").is_empty());
        assert_eq!(parser.push(b":1}\n\n"), vec![r#"{"a":1}"#]);
    }

    #[test]
    fn comments_are_skipped_and_crlf_is_accepted() {
        let mut parser = SseParser::default();
        let got = parser.push(b":\n\ndata:x\r\ndata: y\r\n\r\ndata: z\n\n");
        assert_eq!(got, vec!["x\ny".to_owned(), "z".to_owned()]);
    }
}
