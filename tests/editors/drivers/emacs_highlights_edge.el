;;; emacs_highlights_edge.el --- grepls's highlights where a user's habits test them  -*- lexical-binding: t -*-
;; Run by `emacs -nw' on a 24-line terminal with the README's config and highlight-only snippet.
;; On $GREPLS_FIXTURE (a long first line holding many matches after emojis, then numbered
;; lines), with the pattern TODO, records as JSON to $GREPLS_OUT:
;; - long: the overlays of the long line, and how many of them cover anything but "TODO";
;; - timers: grepls's draw timers pending after one command changed thousands of lines;
;; - off-screen: the overlays, once drawn, of a match changed below the window (in the page drawn
;;   ahead) and of one typed there;
;; - narrowed: the TODO lines in view and those drawn, while narrowed to the middle;
;; - indirect: where `grepls-next-match' lands from the top of an indirect buffer on the file;
;; - jumped: where `grepls-next-match' lands right after a TODO is typed (no idle time between);
;; - reconnected: whether the buffer's server runs after `eglot-reconnect', and a typed match is
;;   drawn by it;
;; - after-shutdown: the overlays and the mode line's count once eglot is shut down.
(require 'json)
(require 'cl-lib)

(defun grepls-edge--wait (predicate)
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (redisplay))
    (funcall predicate)))

(defun grepls-edge--overlays (&optional from to)
  (cl-remove-if-not (lambda (o) (overlay-get o 'grepls))
                    (overlays-in (or from (point-min)) (or to (point-max)))))

(defun grepls-edge--line-overlays (line)
  (save-excursion
    (save-restriction
      (widen)
      (goto-char (point-min))
      (forward-line (1- line))
      (grepls-edge--overlays (line-beginning-position) (line-end-position)))))

(defun grepls-edge--todo-lines-in-view ()
  "The lines in the window (numbered absolutely) that hold TODO, and those drawn."
  (let (matching drawn)
    (save-excursion
      (goto-char (window-start))
      (while (and (< (point) (window-end nil t)) (not (eobp)))
        (let ((line (line-number-at-pos nil t)))
          (when (string-search "TODO" (buffer-substring (line-beginning-position)
                                                        (line-end-position)))
            (push line matching)
            (when (grepls-edge--overlays (line-beginning-position) (line-end-position))
              (push line drawn))))
        (forward-line 1)))
    (list (nreverse matching) (nreverse drawn))))

(setq native-comp-async-report-warnings-errors 'silent)

(let ((ok nil) (report nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (delete-other-windows)
        (apply #'eglot (eglot--guess-contact))
        (unless (grepls-edge--wait #'eglot-managed-p)
          (error "eglot never managed the buffer"))
        (grepls-set-pattern "TODO")
        ;; The long line: every match drawn, each over its own "TODO".
        (unless (grepls-edge--wait (lambda () (= (length (grepls-edge--line-overlays 1)) 300)))
          (error "the long line was not drawn: %d" (length (grepls-edge--line-overlays 1))))
        (push `(long . ((overlays . ,(length (grepls-edge--line-overlays 1)))
                        (wrong . ,(cl-count-if-not
                                   (lambda (o) (equal (buffer-substring (overlay-start o)
                                                                        (overlay-end o))
                                                      "TODO"))
                                   (grepls-edge--line-overlays 1)))))
              report)
        ;; One command, thousands of changes: one draw waits, not one per change.
        (save-excursion
          (goto-char (point-min))
          (while (search-forward "row" nil t) (replace-match "ROW")))
        (push `(timers . ,(cl-count-if (lambda (timer)
                                         (eq (timer--function timer) 'grepls--draw-buffer))
                                       timer-list))
              report)
        ;; Below the window, in the page drawn ahead: a match changed away, one typed.
        (goto-char (point-min))
        (forward-line 199)
        (set-window-start nil (point))
        (redisplay)
        (run-hook-with-args 'window-scroll-functions (selected-window) (window-start))
        (unless (grepls-edge--wait (lambda () (grepls-edge--line-overlays 232)))
          (error "the page below was not drawn ahead"))
        (save-excursion
          (goto-char (point-min))
          (forward-line 231)
          (search-forward "TODO")
          (replace-match "TOXO")
          (forward-line 1)
          (insert "TODO "))
        (grepls-edge--wait (lambda () (and (null (grepls-edge--line-overlays 232))
                                           (grepls-edge--line-overlays 233))))
        (push `(off-screen . ((changed . ,(length (grepls-edge--line-overlays 232)))
                              (typed . ,(length (grepls-edge--line-overlays 233)))))
              report)
        ;; Narrowed to the middle: the TODO lines in view are drawn.
        (goto-char (point-min))
        (forward-line 99)
        (narrow-to-region (point) (progn (forward-line 20) (point)))
        (goto-char (point-min))
        (set-window-start nil (point-min))
        (redisplay)
        (run-hook-with-args 'window-scroll-functions (selected-window) (window-start))
        (grepls-edge--wait (lambda () (apply #'equal (grepls-edge--todo-lines-in-view))))
        (push `(narrowed . ,(vconcat (mapcar #'vconcat (grepls-edge--todo-lines-in-view)))) report)
        (widen)
        ;; A match typed, then at once the jump from the line above it.
        (goto-char (point-min))
        (forward-line 149)
        (insert "new TODO ")
        (forward-line -1)
        (let ((from (point)))
          (grepls-next-match)
          (grepls-edge--wait (lambda () (/= (point) from))))
        (push `(jumped . ,(vector (line-number-at-pos nil t) (current-column))) report)
        ;; An indirect buffer on the file: its jump names the base buffer's file.
        (let ((indirect (clone-indirect-buffer "edge-indirect" nil)))
          (with-current-buffer indirect
            (goto-char (point-min))
            (grepls-next-match)
            (grepls-edge--wait (lambda () (/= (point) (point-min))))
            (push `(indirect . ,(vector (line-number-at-pos nil t)
                                        (- (point) (line-beginning-position))))
                  report))
          ;; Left open: eglot takes it for the file itself, and would close the file with it.
          (set-buffer (find-buffer-visiting (getenv "GREPLS_FIXTURE"))))
        ;; Reconnected: the buffer is the new server's, which draws a match typed next.
        (call-interactively #'eglot-reconnect)
        (grepls-edge--wait (lambda () (and (eglot-current-server)
                                           (jsonrpc-running-p (eglot-current-server)))))
        (grepls-set-pattern "FRESH")
        (goto-char (point-min))
        (forward-line 2)
        (insert "FRESH ")
        (push `(reconnected . ,(if (grepls-edge--wait
                                    (lambda () (grepls-edge--line-overlays 3)))
                                   t :json-false))
              report)
        ;; Shut down: nothing of grepls stays on screen.
        (eglot-shutdown (eglot-current-server))
        (grepls-edge--wait (lambda () (null (grepls-edge--overlays))))
        (push `(after-shutdown . ((overlays . ,(length (save-restriction
                                                           (widen) (grepls-edge--overlays))))
                                  (status . ,grepls-status)))
              report)
        (setq ok t))
    (error (push `(error . ,(error-message-string err)) report)))
  (push `(messages . ,(with-current-buffer "*Messages*" (buffer-string))) report)
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false)) ,@report)))))
  (kill-emacs (if ok 0 1)))
;;; emacs_highlights_edge.el ends here
