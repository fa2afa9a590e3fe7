//! Walking the pages of a record filter, sans-IO: [`Pager`] says which page to ask for
//! next and takes each page's records, stopping at the last page or at a cap. The
//! client's `Stream` and `Iterator` drive it, one rate-limited request per page.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::{V1Record, V1RecordFilter, V1RecordPage, V4Record, V4RecordFilter, V4RecordPage};
use crate::endpoint::Endpoint;
use crate::registry::{V1GetRecordsByFilter, V4GetRecordByFilter};

/// A filter whose results come in numbered pages.
pub trait PagedFilter: Clone {
    /// The endpoint that answers it.
    type Endpoint: Endpoint<Request = Self, Response = Self::Page>;
    /// One page of the answer.
    type Page;
    /// One record.
    type Record;
    /// The page this filter asks for (1 when unset).
    fn page_number(&self) -> u32;
    /// This filter asking for page `page`.
    fn with_page(&self, page: u32) -> Self;
    /// The total over all pages, and this page's records.
    fn split(page: Self::Page) -> (u64, Vec<Self::Record>);
}

/// The two filters page alike: a `page` field, a total and a record list in the reply.
macro_rules! paged_filter {
    ($($filter:ident: $endpoint:ident, $page:ident, $record:ident;)+) => {
        $(impl PagedFilter for $filter {
            type Endpoint = $endpoint;
            type Page = $page;
            type Record = $record;
            fn page_number(&self) -> u32 {
                self.page.unwrap_or(1)
            }
            fn with_page(&self, page: u32) -> Self {
                $filter {
                    page: Some(page),
                    ..self.clone()
                }
            }
            fn split(page: $page) -> (u64, Vec<$record>) {
                (page.total, page.records)
            }
        })+
    };
}

paged_filter! {
    V1RecordFilter: V1GetRecordsByFilter, V1RecordPage, V1Record;
    V4RecordFilter: V4GetRecordByFilter, V4RecordPage, V4Record;
}

/// Where a walk over the pages of a filter stands.
///
/// ```
/// use callkit_core::records::{Pager, V4RecordFilter, V4RecordPage};
/// let mut pager = Pager::new(V4RecordFilter::default(), Some(3));
/// assert_eq!(pager.next_request().unwrap().page, Some(1));
/// // An empty page ends the walk, whatever the total says.
/// pager.accept(V4RecordPage { total: 5, page: 1, records: vec![] });
/// assert!(pager.next_request().is_none());
/// assert!(pager.is_done());
/// ```
#[derive(Debug, Clone)]
pub struct Pager<F: PagedFilter> {
    next: Option<F>,
    ready: VecDeque<F::Record>,
    seen: u64,
    cap: Option<u64>,
}

impl<F: PagedFilter> Pager<F> {
    /// A walk starting at `filter`'s page (1 when unset), yielding at most `cap`
    /// records (`None`: all).
    pub fn new(filter: F, cap: Option<u64>) -> Self {
        let page = filter.page_number();
        Pager {
            next: (cap != Some(0)).then(|| filter.with_page(page)),
            ready: VecDeque::new(),
            seen: 0,
            cap,
        }
    }

    /// The filter to send next, or `None` when the walk is over (once the records
    /// taken so far have been handed out with [`Pager::pop`]).
    pub fn next_request(&self) -> Option<&F> {
        if self.ready.is_empty() {
            self.next.as_ref()
        } else {
            None
        }
    }

    /// Takes the answer to [`Pager::next_request`]. The walk ends after an empty page,
    /// once the records reach the total, or at the cap.
    pub fn accept(&mut self, page: F::Page) {
        let (total, records) = F::split(page);
        let Some(current) = self.next.take() else {
            return;
        };
        let empty = records.is_empty();
        for record in records {
            if self.cap.is_some_and(|cap| self.seen >= cap) {
                break;
            }
            self.seen += 1;
            self.ready.push_back(record);
        }
        let capped = self.cap.is_some_and(|cap| self.seen >= cap);
        // `seen` counts from the first page asked for: a walk that starts past page 1
        // may ask for one page too many, which comes back empty and ends it.
        if !empty
            && !capped
            && self.seen < total
            && let Some(following) = current.page_number().checked_add(1)
        {
            self.next = Some(current.with_page(following));
        }
    }

    /// The next record taken and not yet handed out.
    pub fn pop(&mut self) -> Option<F::Record> {
        self.ready.pop_front()
    }

    /// Whether nothing is left: no record waiting and no page to ask for.
    pub fn is_done(&self) -> bool {
        self.ready.is_empty() && self.next.is_none()
    }
}
